"""Storage of finished files: encoding audio to the delivered format, the local folder backend, and signed URLs.

Owns where bytes live and how a link to them is made and checked. Must not touch the job store or engines.
"""
