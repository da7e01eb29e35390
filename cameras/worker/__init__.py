"""The camera worker: reads a camera, measures, keeps only what the law needs, delivers.

``loop`` is the Django-free worker (source, pipeline, privacy filter, evidence ring,
heartbeats, reconnection, graceful stop); ``backoffice`` wires it to the camera's row,
keys, spool, broker and database for ``manage.py run_camera``.
"""
