"""Media (photos, later voice notes): where their bytes live and how they are served.

``MEDIA_URL`` chooses once, in create_app: unset, the instance's ``uploads/`` folder; or
``s3://BUCKET[/PREFIX]``, an S3-compatible bucket (AWS, Vietnam's clouds, MinIO, Ceph) that
every app host shares. Concepts name their objects by key; this package knows nothing of posts.
"""
