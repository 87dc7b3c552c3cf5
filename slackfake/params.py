"""Reading a Web API request's arguments the way Slack does: query string, form or JSON."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

# Fields that slack_sdk sends as JSON strings when it form-encodes a request.
_JSON_FIELDS = {
    "blocks": "invalid_blocks_format",
    "attachments": "invalid_attachments",
    "view": "invalid_arguments",
    "metadata": "invalid_metadata_format",
    "document_content": "invalid_arguments",
    "changes": "invalid_arguments",
}


def parse_params(query: str, raw: bytes, content_type: str) -> tuple[dict, str | None]:
    """Decode a form, JSON or query-string request into one dict (and an error code)."""
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if not raw:
        return params, None
    if content_type.split(";")[0].strip().lower() == "application/json":
        try:
            body = json.loads(raw)
        except ValueError:
            return params, "invalid_json"
        if not isinstance(body, dict):
            return params, "invalid_json"
        params.update(body)
        return params, None
    form = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
    params.update({k: v[-1] for k, v in form.items()})
    for name, error in _JSON_FIELDS.items():
        if isinstance(params.get(name), str):
            try:
                params[name] = json.loads(params[name])
            except ValueError:
                return params, error
    return params, None
