"""Server-rendered pages (Jinja2, autoescaped). Data comes from the same core as the API."""
