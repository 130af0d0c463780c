"""The baseline of ``benchmarks.read_path``: bare Flask returning a small JSON, nothing else.

Served by gunicorn with the project's gunicorn.conf.py (the same workers, threads and access
log as the real app), so the ratio measures what the app adds to Flask.
"""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/")
def index():
    return jsonify({"status": "ok", "items": [{"id": 1, "title": "a small JSON"}]})
