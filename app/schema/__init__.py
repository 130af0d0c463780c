"""The schema layer: pydantic field types with the app's own checks and messages, the loader
that turns pydantic's errors into the app's 422, and the base of response models.

Each concept keeps its request and response models in ``app/<concept>/schemas.py``; the API's
routes declare them (``app.api.spec.documented``) and ``app.api.openapi`` builds the OpenAPI
document from their JSON Schema.
"""
