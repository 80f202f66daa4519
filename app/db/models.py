"""Every table's model is imported here so that Alembic's autogenerate sees the whole schema.

The suggestion core is stateless; the first tables (cases, their timeline, evidence, follow-ups) come
with the case records.
"""
