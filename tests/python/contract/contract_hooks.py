"""A schemathesis check for the contract run (loaded through SCHEMATHESIS_HOOKS): a request
the OpenAPI document allows is never refused because the broker could not read it. The
broker's extractors start those refusals with fixed words (crates/stint-broker/src/api/
extract.rs); a refusal by a rule (a window in the past, the policy's maximum) reads
otherwise and is allowed where schemathesis.toml says so."""

from __future__ import annotations

import json

import schemathesis

UNREADABLE = (
    "the request body is not",
    "the query string is not",
    "the path is not",
    "cannot read the request body",
)


@schemathesis.check
def allowed_requests_are_read(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return None
    try:
        message = json.loads(response.content).get("message", "")
    except (ValueError, AttributeError):
        message = ""
    if message.startswith(UNREADABLE):
        raise AssertionError(f"a request the document allows was refused as unreadable: {message}")
    return None
