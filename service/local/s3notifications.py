"""GetBucketNotificationConfiguration as S3 answers it: moto keeps a bucket's EventBridge switch (and sends the
events) but leaves `EventBridgeConfiguration` out of the answer, so a client could not tell that it is on."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"


def with_event_bridge(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def get_bucket_notification(self: Any) -> Any:
        answer = original(self)
        configuration = self.backend.get_bucket_notification_configuration(self.bucket_name)
        if configuration is None or configuration.event_bridge is None:
            return answer
        status, headers, body = answer
        ET.register_namespace("", _NAMESPACE)
        root = ET.fromstring(body.encode("utf-8") if isinstance(body, str) else body)
        if root.find(f"{{{_NAMESPACE}}}EventBridgeConfiguration") is None:
            ET.SubElement(root, f"{{{_NAMESPACE}}}EventBridgeConfiguration")
        return status, headers, ET.tostring(root, encoding="unicode", xml_declaration=True)

    return get_bucket_notification
