"""The storage calls of the commit protocol over boto3, for measuring a commit's S3
requests against the moto server (tests/test_commit_s3_requests.py counts them,
bench/commit_s3.py times them under latency). On Glue the job's Storage goes through
Hadoop's FileSystem, EMRFS on S3; the objects the protocol reads and writes are the same."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from table_format.storage import FileInfo, in_parallel


class S3Storage:
    def __init__(self, client: Any) -> None:
        self.client = client

    @staticmethod
    def _split(uri: str) -> tuple[str, str]:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        return bucket, key

    def qualify(self, uri: str) -> str:
        return uri.rstrip("/")

    def exists(self, uri: str) -> bool:
        bucket, key = self._split(uri)
        found = self.client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
        return bool(found.get("KeyCount"))

    def list_files(self, uri: str) -> list[FileInfo]:
        bucket, key = self._split(uri)
        found = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=key + "/"
        )
        for page in pages:
            for item in page.get("Contents", []):
                modified = item["LastModified"].astimezone(dt.UTC).replace(tzinfo=None)
                found.append(FileInfo(f"s3://{bucket}/{item['Key']}", item["Size"], modified))
        return sorted(found, key=lambda f: f.path)

    def list_paths(self, uri: str) -> list[str]:
        return [info.path for info in self.list_files(uri)]

    def has_file(self, uri: str, accept: Callable[[str], bool]) -> bool:
        bucket, key = self._split(uri)
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=key + "/"
        )
        for page in pages:
            if any(accept(f"s3://{bucket}/{item['Key']}") for item in page.get("Contents", [])):
                return True
        return False

    def list_names(self, uri: str) -> list[str]:
        bucket, key = self._split(uri)
        names: set[str] = set()
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=key + "/", Delimiter="/"
        )
        for page in pages:
            names |= {
                p["Prefix"][len(key) + 1 :].rstrip("/") for p in page.get("CommonPrefixes", [])
            }
            names |= {c["Key"][len(key) + 1 :] for c in page.get("Contents", [])}
        return sorted(names)

    def read_text(self, uri: str) -> str | None:
        bucket, key = self._split(uri)
        try:
            body = self.client.get_object(Bucket=bucket, Key=key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None
        return str(body.decode("utf-8"))

    def read_texts(self, uris: Sequence[str]) -> list[str | None]:
        return in_parallel(self.read_text, uris)

    def write_text(self, uri: str, text: str) -> None:
        bucket, key = self._split(uri)
        self.client.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))

    def delete(self, uri: str) -> None:
        bucket, key = self._split(uri)
        self.client.delete_object(Bucket=bucket, Key=key)

    def replace_texts(self, changes: Sequence[tuple[str, str | None]]) -> None:
        """As Storage.replace_texts: the same requests, several at once (boto3's clients
        are thread-safe)."""

        def change(item: tuple[str, str | None]) -> None:
            uri, text = item
            self.delete(uri) if text is None else self.write_text(uri, text)

        in_parallel(change, changes)

    def delete_files(self, uris: Sequence[str]) -> None:
        for uri in uris:
            self.delete(uri)
