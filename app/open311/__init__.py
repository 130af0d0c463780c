"""Open311 GeoReport v2: outside civic apps file reports into a commune and follow them."""
