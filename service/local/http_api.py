"""The template's HTTP API on the local stack: routes, JWT authorizer and Lambda proxy integration.

moto cannot run an HTTP API, so this server plays API Gateway's part, from the template's own routes (the
functions' `HttpApi` events) and authorizer (issuer and audience): a route that needs the authorizer gets its
request through only with an access token that the pool signed (checked against the pool's JWKS, as API Gateway
fetches it), whose issuer is the pool's (moto signs every pool with one key: the issuer is what tells pools
apart), whose app client is an audience of the authorizer, and that has not expired; anything else is a 401
before any function runs. The request then becomes an HTTP API payload 2.0 event, with the token's claims where
API Gateway puts them (requestContext.authorizer.jwt.claims, every value a string, lists as "[a b]"), and the
deployed function runs it (the same path as any invoke on the local stack).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from service.domain.paths import TEMPLATE_PATH
from service.ops.template_file import load_template

#: API Gateway's own cap on a request's payload.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
#: How long the pool's signing keys are kept before they are fetched again.
JWKS_TTL_S = 300.0
#: Where the page reaches the local Cognito. Cognito's public endpoint answers browsers' CORS preflights; moto's
#: server does not (a 500), so the local page signs in through its own origin, and only these calls pass.
COGNITO_PATH = "/cognito-idp/"
COGNITO_CALLS = frozenset(
    f"AWSCognitoIdentityProviderService.{name}"
    for name in ("InitiateAuth", "RespondToAuthChallenge", "GlobalSignOut", "RevokeToken", "GetUser")
)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str  # the function's logical id
    authorized: bool


@dataclass(frozen=True)
class Authorizer:
    issuer_template: str  # with ${ReviewerPool}-style names still in it
    audience: tuple[str, ...]  # logical ids or literal client ids


def template_routes(api: str = "ReviewApi", template: Path = TEMPLATE_PATH) -> tuple[list[Route], Authorizer]:
    """The HTTP API `api`'s routes and its default JWT authorizer, as the deployed template declares them."""
    resources = load_template(template)["Resources"]
    properties = resources[api]["Properties"]
    auth = properties["Auth"]
    default = auth.get("DefaultAuthorizer")
    config = auth["Authorizers"][default]["JwtConfiguration"]
    issuer = config["issuer"]
    issuer_text = issuer["Fn::Sub"] if isinstance(issuer, dict) else str(issuer)
    audience = tuple(a["Ref"] if isinstance(a, dict) else str(a) for a in config["audience"])
    routes = []
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in resource.get("Properties", {}).get("Events", {}).values():
            props = event.get("Properties", {})
            if event.get("Type") != "HttpApi" or props.get("ApiId", {}).get("Ref") != api:
                continue
            authorizer = props.get("Auth", {}).get("Authorizer", default)
            routes.append(Route(props["Method"].upper(), props["Path"], logical_id, authorizer != "NONE"))
    return routes, Authorizer(issuer_template=issuer_text, audience=audience)


class UnauthorizedError(Exception):
    """What API Gateway's JWT authorizer refuses (a 401, and the function never runs)."""


class JwtAuthorizer:
    """API Gateway's JWT authorizer for one issuer and its audiences."""

    def __init__(self, issuer: str, audience: set[str], jwks_url: str) -> None:
        self.issuer = issuer
        self.audience = audience
        self._jwks_url = jwks_url
        self._keys: KeySet | None = None
        self._fetched = 0.0
        self._lock = threading.Lock()

    def _key_set(self) -> KeySet:
        with self._lock:
            if self._keys is None or time.monotonic() - self._fetched > JWKS_TTL_S:
                answer = requests.get(self._jwks_url, timeout=5)
                answer.raise_for_status()
                self._keys = KeySet.import_key_set(answer.json())
                self._fetched = time.monotonic()
            return self._keys

    def claims(self, authorization: str | None) -> dict[str, Any]:
        """The verified claims of the token in an Authorization header ("Bearer " is optional, as on AWS)."""
        if not authorization:
            raise UnauthorizedError("no token")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            decoded = jwt.decode(token, self._key_set(), algorithms=["RS256"])
            jwt.JWTClaimsRegistry(iss={"essential": True, "value": self.issuer}, exp={"essential": True}).validate(
                decoded.claims
            )
        except (JoseError, ValueError) as error:
            raise UnauthorizedError(str(error)) from error
        claims = dict(decoded.claims)
        # An access token names its app client in client_id, an ID token in aud: either must be an audience.
        # Any claim of the wrong shape (a list where a string belongs, say) is a forged token: 401, never 500.
        token_use = claims.get("token_use")
        audience = claims.get("client_id") if token_use == "access" else claims.get("aud")
        if token_use not in ("access", "id") or not isinstance(audience, str) or audience not in self.audience:
            raise UnauthorizedError("the token is for another app client")
        for name in ("sub", "username", "cognito:username"):
            if name in claims and not isinstance(claims[name], str):
                raise UnauthorizedError(f"the token's {name} is not a string")
        if "cognito:groups" in claims and not (
            isinstance(claims["cognito:groups"], list) and all(isinstance(g, str) for g in claims["cognito:groups"])
        ):
            raise UnauthorizedError("the token's groups are not a list of names")
        return claims


def as_api_gateway_claims(claims: dict[str, Any]) -> dict[str, str]:
    """The claims as API Gateway hands them to a function: strings, a list as "[a b]"."""
    return {
        name: "[" + " ".join(str(v) for v in value) + "]" if isinstance(value, list) else str(value)
        for name, value in claims.items()
    }


def api_event(
    method: str,
    route: Route,
    raw_path: str,
    raw_query: str,
    headers: dict[str, str],
    body: bytes,
    claims: dict[str, str] | None,
    source_ip: str,
) -> dict[str, Any]:
    """An HTTP API payload format 2.0 event."""
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    now = time.time()
    route_key = f"{route.method} {route.path}"
    context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": "local",
        "domainName": headers.get("host", "127.0.0.1"),
        "domainPrefix": "local",
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": route_key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    text_body: str | None = None
    encoded = False
    if body:
        try:
            text_body = body.decode("utf-8")
        except UnicodeDecodeError:
            text_body, encoded = base64.b64encode(body).decode(), True
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": context,
        "isBase64Encoded": encoded,
    }
    if query:
        event["queryStringParameters"] = query
    if text_body is not None:
        event["body"] = text_body
    return event


class HttpApi:
    """Routes, authorizer and integration, ready to answer requests."""

    def __init__(
        self, routes: list[Route], authorizer: JwtAuthorizer, functions: dict[str, str], invoke: Any, cognito: str
    ) -> None:
        self.cognito = cognito
        self.routes = routes
        self.authorizer = authorizer
        self.functions = functions  # logical id -> deployed function name
        self._invoke = invoke  # a boto3-like Lambda client's invoke

    def route(self, method: str, path: str) -> Route | None:
        return next((r for r in self.routes if r.method == method and r.path == path), None)

    def answer(
        self, method: str, target: str, headers: dict[str, str], body: bytes, source_ip: str
    ) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(target)
        if method == "POST" and url.path == COGNITO_PATH:
            return self.sign_in(headers, body)
        route = self.route(method, url.path)
        if route is None:
            return _message(HTTPStatus.NOT_FOUND, "Not Found")
        claims = None
        if route.authorized:
            try:
                claims = as_api_gateway_claims(self.authorizer.claims(headers.get("authorization")))
            except (UnauthorizedError, TypeError, ValueError, KeyError):
                return _message(HTTPStatus.UNAUTHORIZED, "Unauthorized")
        event = api_event(method, route, url.path, url.query, headers, body, claims, source_ip)
        answer = self._invoke(FunctionName=self.functions[route.function], Payload=json.dumps(event))
        payload = answer["Payload"].read()
        if answer.get("FunctionError"):
            return _message(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")
        result = json.loads(payload)
        content = result.get("body") or ""
        data = base64.b64decode(content) if result.get("isBase64Encoded") else str(content).encode("utf-8")
        return int(result.get("statusCode", 200)), dict(result.get("headers") or {}), data

    def sign_in(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        """A user's call to Cognito (no AWS credentials: the token or password is in the body), passed on."""
        target = headers.get("x-amz-target", "")
        if target not in COGNITO_CALLS:
            return _message(HTTPStatus.BAD_REQUEST, "Not a sign-in call.")
        answer = requests.post(
            self.cognito,
            data=body,
            headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target},
            timeout=10,
        )
        return answer.status_code, {"Content-Type": "application/x-amz-json-1.1"}, answer.content


#: What the gateway's own answers (401, 404, 413, 500) carry, as the function's answers do: a JSON error embeds
#: nothing, so its policy allows nothing.
GATEWAY_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


def _message(status: HTTPStatus, message: str) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": "application/json", **GATEWAY_SECURITY_HEADERS}
    return int(status), headers, json.dumps({"message": message}).encode()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "scones-http-api"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_OPTIONS(self) -> None:
        # No CORS is configured: a preflight matches no route, as on API Gateway.
        self._serve("OPTIONS")

    def _serve(self, method: str) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_PAYLOAD_BYTES:
            self.close_connection = True
            self._send(*_message(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Request Entity Too Large"))
            return
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            answer = self.server.api.answer(method, self.path, headers, body, self.client_address[0])
        except Exception:  # the gateway answers 500 when the integration fails, and keeps serving
            answer = _message(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")
        self._send(*answer)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet, like the moto server's requests."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, api: HttpApi, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.api = api


def serve(
    endpoint_url: str,
    region: str,
    ids: dict[str, str],
    invoke: Any,
    port: int = 0,
    template: Path | None = None,
) -> tuple[str, _Server]:
    """Starts the template's review API on 127.0.0.1:`port` (0: a free port) in a thread; returns its URL.

    `ids` gives every deployed resource's id by logical id (the user pool and app client, the functions' names);
    `invoke` is a Lambda client's invoke; `template` is the one deployed (infra/template.yaml unless a copy was).
    """
    routes, config = template_routes(template=template or TEMPLATE_PATH)
    refs = {"AWS::Region": region, **ids}
    issuer = config.issuer_template
    for name, value in refs.items():
        issuer = issuer.replace("${" + name + "}", value)
    pool_id = issuer.rsplit("/", 1)[-1]
    authorizer = JwtAuthorizer(
        issuer, {refs.get(a, a) for a in config.audience}, f"{endpoint_url}/{pool_id}/.well-known/jwks.json"
    )
    server = _Server(HttpApi(routes, authorizer, ids, invoke, endpoint_url + "/"), port)
    threading.Thread(target=server.serve_forever, name="http-api", daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server
