"""Communes, their join tokens and their QR boards."""
