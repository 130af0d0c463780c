"""Who belongs to which commune, and in what role."""
