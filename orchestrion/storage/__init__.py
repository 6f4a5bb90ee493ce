"""Storage of finished files: encoding audio to the delivered format, the local folder and S3-compatible backends,
and signed URLs.

Owns where bytes live, how they are read back (:meth:`Storage.open`, by byte range) and how a link to them is made
and checked. Must not touch the job store or engines.
"""

from .base import Storage, validate_key

__all__ = ["Storage", "open_storage", "validate_key"]


def open_storage(settings) -> Storage:  # noqa: ANN001 - Settings; kept import-light
    """The storage the settings name: ``storage_url`` (``file:///path`` or ``s3://bucket/prefix?endpoint=…``, see
    :mod:`.s3`) or the data folder."""
    url = settings.storage_url
    if url and url.startswith("s3://"):
        from .s3 import S3Storage

        return S3Storage.from_url(url)
    if url and not url.startswith("file://"):
        raise ValueError(f"unsupported storage URL {url!r}: use file:///path or s3://bucket/prefix")
    from .local import LocalStorage

    return LocalStorage(url[len("file://"):] if url else settings.files_dir)
