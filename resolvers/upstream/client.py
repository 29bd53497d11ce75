"""The REST client for the Umanize API: one pooled ``httpx.AsyncClient``, and the one place HTTP errors are mapped."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar
from urllib.parse import urlencode
from uuid import UUID

import aiohttp
import httpx
import orjson
from opentelemetry import propagate
from opentelemetry.trace import SpanKind, Status, StatusCode

from resolvers.domain.errors import (
    BadUserInput,
    Conflict,
    FieldError,
    Forbidden,
    GatewayError,
    NotFound,
    Overloaded,
    RateLimited,
    Unauthenticated,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from resolvers.domain.models import (
    DeletedFilter,
    DeleteResult,
    EnrollCustomerResult,
    EnrollItem,
    EnrollResult,
    ImportResult,
    ListQuery,
    NewCustomer,
    Target,
    TargetPage,
)
from resolvers.upstream import decode
from resolvers.upstream.ledger import CallLedger
from resolvers.upstream.observer import UpstreamObserver, tracer, tracing_on
from resolvers.upstream.resilience import (
    RETRY_AFTER_STATUSES,
    RETRYABLE_STATUSES,
    BreakerState,
    CircuitBreaker,
    InFlightLimit,
    ResilienceSettings,
    Retry,
    RetryBudget,
    backoff,
)
from resolvers.upstream.shared_reads import ReadKey, SharedReads
from resolvers.upstream.transport import AiohttpTransport


@dataclass(frozen=True)
class Caller:
    """Who an upstream call is made for: the credentials received, forwarded as they came, a request id, and the
    ledger of what the request spends upstream."""

    authorization: str | None = None
    api_key: str | None = None
    request_id: str | None = None
    ledger: CallLedger = field(default_factory=CallLedger, compare=False, repr=False)
    deadline: float | None = None  # time.monotonic() by which the whole request must be answered

    @property
    def has_credentials(self) -> bool:
        return bool(self.authorization or self.api_key)

    def headers(self) -> dict[str, str]:
        if not self.has_credentials:
            raise Unauthenticated("Send an Authorization or X-API-Key header")
        if not all(_printable_ascii(value) for value in (self.authorization, self.api_key) if value):
            raise Unauthenticated("Credentials must be printable ASCII")
        headers = {}
        if self.authorization:
            headers["Authorization"] = self.authorization
        if self.api_key:
            headers["X-API-Key"] = self.api_key
        if self.request_id:
            headers["X-Request-ID"] = self.request_id
        return headers


T = TypeVar("T")
logger = logging.getLogger("gateway.upstream")


BASE_HEADERS = {"Accept": "application/json", "User-Agent": "umanize-gateway"}
# Route templates (OpenTelemetry's url.template): metric labels and span names, never raw paths with ids.
LIST_ROUTE = "/campaigns/{campaign_id}/targets"
TARGET_ROUTE = LIST_ROUTE + "/{target_id}"
MIN_CALL_SECONDS = 0.005  # less than this left of the caller's deadline cannot hold an upstream call


def _check_time_left(timeout: float | None) -> None:
    if timeout is not None and timeout < MIN_CALL_SECONDS:
        raise UpstreamTimeout("The caller's deadline leaves no time for an upstream call")


def _retryable_failure(retry: Retry, cause: BaseException) -> bool:
    """Whether a transport failure may be retried under ``retry``: never sent (no connection was made) for every
    operation; dropped before any response only for idempotent ones. Timeouts and failures mid-response are not
    retried (the deadline is spent, or the upstream may have acted)."""
    if isinstance(cause, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError | httpx.ConnectError):
        return True
    if retry is not Retry.IDEMPOTENT:
        return False
    return isinstance(cause, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError | httpx.RemoteProtocolError
                      | httpx.ReadError) and not isinstance(cause, aiohttp.ClientPayloadError)


def _printable_ascii(value: str) -> bool:
    return value.isascii() and value.isprintable()


def _as_is(data: Any) -> Any:
    return data


class _TransportErrorMapping:
    """httpx and aiohttp exceptions -> gateway errors: every foreign exception a call can raise is translated here.
    A class, not ``@contextmanager``: it wraps every upstream call, and a generator costs several times more."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, traceback: Any) -> None:
        if exc is None:
            return
        if isinstance(exc, httpx.TimeoutException | TimeoutError | aiohttp.ServerTimeoutError):
            raise UpstreamTimeout(f"The upstream did not answer in time ({type(exc).__name__})") from exc
        if isinstance(exc, httpx.TransportError | aiohttp.ClientConnectionError | aiohttp.ClientPayloadError):
            raise UpstreamUnavailable(f"The upstream could not be reached ({type(exc).__name__})") from exc
        if isinstance(exc, httpx.HTTPError | aiohttp.ClientError):  # bad content, redirect loops: the upstream's
            raise UpstreamUnavailable(f"The upstream's answer could not be used ({type(exc).__name__})") from exc


_TRANSPORT_ERROR_MAPPING = _TransportErrorMapping()


def mapped_transport_errors() -> _TransportErrorMapping:
    """The context in which transport exceptions become gateway errors (UpstreamTimeout, UpstreamUnavailable)."""
    return _TRANSPORT_ERROR_MAPPING


# The gateway's own words for each upstream refusal: the upstream's text may name hosts, users or worse, so it
# reaches clients only with --expose-upstream-errors; it is logged, with the request id, either way.
MESSAGES: dict[int, str] = {
    400: "The upstream rejected the request",
    401: "The upstream rejected the credentials",
    403: "These credentials may not do this",
    404: "The campaign or target was not found",
    409: "The request conflicts with the target's current state",
    429: "The upstream is rate limiting requests",
}
# Where the gateway built an upstream parameter from its own input: the input's name (GraphQL's spelling).
INPUT_NAMES: dict[tuple[str, str], str] = {
    ("query", "limit"): "first", ("query", "offset"): "after", ("query", "q"): "filter.search",
    ("query", "stage"): "filter.stage", ("query", "ai_label"): "filter.aiLabel",
    ("query", "action_required"): "filter.actionRequired", ("query", "assigned_agent_id"): "filter.assignedAgentId",
    ("query", "date_from"): "filter.dateFrom", ("query", "date_to"): "filter.dateTo",
    ("query", "sort_field"): "sort.field", ("query", "sort_dir"): "sort.direction",
    ("path", "campaign_id"): "campaignId", ("path", "target_id"): "targetId", ("body", "stage"): "stage",
    ("body", "items"): "items", ("body", "customer_id"): "input.externalId", ("body", "email"): "input.email",
    ("body", "phone"): "input.phone", ("body", "file"): "file",
}
DETAIL_LOG_CHARS = 500


def _field_error(item: Mapping[str, Any], expose: bool) -> FieldError:
    """An upstream 422 item: its location in the gateway's input names, its type, and (exposed) its text."""
    location = tuple(item.get("loc") or ())
    kind = str(item.get("type", ""))[:100]
    mapped = INPUT_NAMES.get((str(location[0]), str(location[1]))) if len(location) >= 2 else None
    where: tuple[str | int, ...] = (*mapped.split("."), *location[2:]) if mapped else location
    message = str(item.get("msg", ""))[:500] if expose else f"refused by the upstream ({kind or 'invalid'})"
    return FieldError(where, message, kind)


def error_from_response(response: httpx.Response, *, expose: bool = False,
                        request_id: str | None = None) -> GatewayError:
    """A non-2xx upstream response as the gateway error the client should see: the gateway's own message unless
    ``expose``; the upstream's text goes to the log with the request id."""
    status = response.status_code
    try:
        body: Any = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    detail = body.get("detail") if isinstance(body, dict) else None
    if detail is not None:
        logger.warning("Upstream answered %d (request %s): %.*s", status, request_id, DETAIL_LOG_CHARS,
                       detail if isinstance(detail, str) else json.dumps(detail))
    text = detail[:500] if expose and isinstance(detail, str) else None
    message = text or MESSAGES.get(status) or f"The upstream answered HTTP {status}"
    if status in (400, 422):
        field_errors = tuple(_field_error(item, expose) for item in (detail if isinstance(detail, list) else [])
                             if isinstance(item, dict))
        if field_errors:
            message = "The upstream rejected " + ", ".join(".".join(map(str, e.location)) for e in field_errors)
        return BadUserInput(message, field_errors=field_errors, upstream_status=status)
    if status == 401:
        return Unauthenticated(message, upstream_status=status)
    if status == 403:
        return Forbidden(message, upstream_status=status)
    if status == 404:
        return NotFound(message, upstream_status=status)
    if status == 409:
        return Conflict(message, upstream_status=status)
    if status == 429:
        retry_after: float | None
        try:
            retry_after = float(response.headers.get("retry-after", ""))
        except ValueError:
            retry_after = None
        return RateLimited(message, retry_after=retry_after, upstream_status=status)
    if status >= 500:
        return UpstreamUnavailable(f"The upstream failed with HTTP {status}", upstream_status=status)
    return BadUserInput(message, upstream_status=status)


def list_params(query: ListQuery) -> dict[str, str]:
    """A ListQuery as the REST list endpoint's query string; defaults are left out."""
    f = query.filter
    params: dict[str, str] = {
        "limit": str(query.limit),
        "offset": str(query.offset),
        "sort_field": query.order.field.value,
        "sort_dir": query.order.direction.value,
    }
    if f.stage is not None:
        params["stage"] = f.stage
    if f.ai_label is not None:
        params["ai_label"] = f.ai_label.value
    if f.action_required is not None:
        params["action_required"] = f.action_required.value
    if f.assigned_agent_id is not None:
        params["assigned_agent_id"] = str(f.assigned_agent_id)
    if f.search:
        params["q"] = f.search
    if f.date_from is not None:
        params["date_from"] = f.date_from.isoformat()
    if f.date_to is not None:
        params["date_to"] = f.date_to.isoformat()
    if f.deleted is DeletedFilter.INCLUDE:
        params["include_deleted"] = "true"
    elif f.deleted is DeletedFilter.ONLY:
        params["only_deleted"] = "true"
    if query.include_aggregations:
        params["include_aggregations"] = "true"
    return params


class UpstreamClient:
    """The Umanize campaign-targets REST API, one method per operation, returning domain models."""

    def __init__(self, base_url: str, *, timeout: float = 10.0, max_connections: int = 100,
                 transport: httpx.AsyncBaseTransport | None = None, share_reads: bool = True,
                 expose_errors: bool = False, resilience: ResilienceSettings | None = None,
                 observer: UpstreamObserver | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.expose_errors = expose_errors
        self.resilience = resilience or ResilienceSettings()
        self.retry_budget = RetryBudget(self.resilience)
        self.breaker = CircuitBreaker(self.resilience)
        self.in_flight = InFlightLimit(self.resilience)
        self.observer = observer or UpstreamObserver()
        self.breaker.listeners.append(lambda state: self.observer.breaker(state.value))
        self._host = httpx.URL(self.base_url).host
        self.timeout = timeout
        self.shared_reads = SharedReads(enabled=share_reads)
        self._transport = transport or AiohttpTransport(max_connections=max_connections)
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=httpx.Timeout(timeout),
                                       transport=self._transport, headers=BASE_HEADERS)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, caller: Caller, method: str, path: str | httpx.URL, *, retry: Retry, route: str,
                    params: Mapping[str, str] | None = None,
                    json_body: Any = None, files: Mapping[str, Any] | None = None,
                    timeout: float | None = None) -> httpx.Response:
        """One upstream operation: attempts as the retry table allows, each within the caller's deadline, through
        the circuit breaker and the in-flight limit; non-2xx answers become gateway errors."""
        headers = caller.headers()
        horizon = caller.deadline if caller.deadline is not None else \
            time.monotonic() + (timeout if timeout is not None else self.timeout)
        attempt = 0
        while True:
            attempt_timeout = min(self.timeout, horizon - time.monotonic())
            _check_time_left(attempt_timeout)
            self.breaker.before_call()
            caller.ledger.spend()
            self.retry_budget.record_call()
            try:
                async with self.in_flight.place() as waited:
                    caller.ledger.waited += waited
                    for upload in (files or {}).values():
                        upload[1].seek(0)  # a retried import sends its file from the start
                    response = await self._attempt(method, path, route, attempt, headers, attempt_timeout,
                                                   params=params, json_body=json_body, files=files)
            except (UpstreamUnavailable, UpstreamTimeout) as error:
                if error.__cause__ is None:  # not the transport's failure (the deadline was checked above)
                    self.breaker.abandon_probe()
                    raise
                self.breaker.record(success=False)
                if _retryable_failure(retry, error.__cause__) and await self._backoff(attempt, horizon, None):
                    attempt += 1
                    caller.ledger.retries += 1
                    continue
                raise
            except BaseException as other:
                self.breaker.abandon_probe()
                if isinstance(other, Overloaded):
                    self.observer.shed()
                raise
            self.breaker.record(success=response.status_code < 500)
            if response.is_success:
                return response
            refusal = error_from_response(response, expose=self.expose_errors, request_id=caller.request_id)
            retryable = response.status_code in RETRYABLE_STATUSES or (
                response.status_code in RETRY_AFTER_STATUSES and refusal.retry_after is not None)
            if retry is Retry.IDEMPOTENT and retryable and await self._backoff(attempt, horizon, refusal.retry_after):
                attempt += 1
                caller.ledger.retries += 1
                continue
            raise refusal

    async def _attempt(self, method: str, path: str | httpx.URL, route: str, attempt: int, headers: dict[str, str],
                       timeout: float, **content: Any) -> httpx.Response:
        """One HTTP attempt, observed (duration, status) and, when tracing is on, in a client span whose context
        goes upstream as ``traceparent``."""
        started = time.perf_counter()
        status: int | None = None
        self.observer.in_flight(1)
        try:
            if not tracing_on():
                with mapped_transport_errors():
                    response = await self._send(method, path, headers, timeout, **content)
            else:
                with tracer.start_as_current_span(f"{method} {route}", kind=SpanKind.CLIENT, attributes={
                        "http.request.method": method, "url.template": route, "server.address": self._host,
                        "http.request.resend_count": attempt}) as span:
                    headers = dict(headers)
                    propagate.inject(headers)
                    try:
                        with mapped_transport_errors():
                            response = await self._send(method, path, headers, timeout, **content)
                    except GatewayError as error:
                        span.set_status(Status(StatusCode.ERROR, type(error.__cause__).__name__))
                        raise
                    span.set_attribute("http.response.status_code", response.status_code)
                    if response.status_code >= 500:
                        span.set_status(Status(StatusCode.ERROR))
            status = response.status_code
            return response
        finally:
            self.observer.in_flight(-1)
            self.observer.call(method, route, status, time.perf_counter() - started)

    async def _send(self, method: str, path: str | httpx.URL, headers: dict[str, str], timeout: float, *,
                    params: Mapping[str, str] | None, json_body: Any, files: Mapping[str, Any] | None,
                    ) -> httpx.Response:
        """One request handed straight to the transport. ``httpx.AsyncClient.request`` would merge URLs, cookies,
        auth and redirect handling the gateway never uses, at a measured cost per call (docs/benchmarks.md); it
        still encodes multipart uploads."""
        if files:
            return await self._http.request(method, path, params=params, files=files, headers=headers,
                                            timeout=httpx.Timeout(timeout))
        url = path if isinstance(path, httpx.URL) else httpx.URL(self.base_url + path, params=params)
        sent = {**BASE_HEADERS, **headers}
        content = None
        if json_body is not None:
            content = orjson.dumps(json_body)
            sent["Content-Type"] = "application/json"
        request = httpx.Request(method, url, headers=sent, content=content, extensions={"timeout": {
            "connect": timeout, "read": timeout, "write": timeout, "pool": timeout}})
        response = await self._transport.handle_async_request(request)
        await response.aread()
        return response

    async def _backoff(self, attempt: int, horizon: float, retry_after: float | None) -> bool:
        """Waits before attempt ``attempt + 1`` and says True, or says False: no attempts left, no time left
        before the deadline (for the wait and a useful call after it), or no retry budget."""
        if attempt >= self.resilience.retries:
            return False
        delay = retry_after if retry_after is not None else backoff(attempt, self.resilience)
        if time.monotonic() + delay + MIN_CALL_SECONDS >= horizon or not self.retry_budget.try_retry():
            return False
        self.observer.retried()
        await asyncio.sleep(delay)
        return True

    async def _write(self, caller: Caller, campaign_id: UUID, method: str, path: str, *, retry: Retry, route: str,
                     params: Mapping[str, str] | None = None, json_body: Any = None,
                     files: Mapping[str, Any] | None = None, timeout: float | None = None) -> httpx.Response:
        """A call that changes the campaign: reads of it that start once it ended do not join older reads."""
        try:
            return await self._call(caller, method, path, retry=retry, route=route, params=params,
                                    json_body=json_body, files=files, timeout=timeout)
        finally:
            self.shared_reads.forget_campaign(campaign_id)

    async def _shared_get(self, caller: Caller, campaign_id: UUID, kind: str, url: httpx.URL,
                          parse: Callable[[Any], T], timeout: float | None) -> T:
        """GET ``url`` and ``parse`` its JSON, sharing the call (and the parse) with identical reads in flight."""
        caller.headers()  # no credentials: fail here, before joining anything
        _check_time_left(timeout)

        async def fetch() -> T:  # retried inside: requests sharing the read share the retried result
            self.observer.shared_read(joined=False)
            return parse(self._json(await self._call(caller, "GET", url, retry=Retry.IDEMPOTENT,
                                                     route=LIST_ROUTE)))

        was_joined = False

        def joined() -> None:
            nonlocal was_joined
            was_joined = True
            caller.ledger.joined()
            self.observer.shared_read(joined=True)

        key = ReadKey(campaign_id, kind, str(url), caller.authorization, caller.api_key)
        with mapped_transport_errors():
            if not tracing_on():
                return await self.shared_reads.read(key, fetch, timeout, on_join=joined)
            with tracer.start_as_current_span("shared read", attributes={"url.template": LIST_ROUTE}) as span:
                result = await self.shared_reads.read(key, fetch, timeout, on_join=joined)
                span.set_attribute("umanize.shared_read.joined", was_joined)
                return result

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise decode.MalformedUpstreamBody("The upstream answered with a body that is not JSON") from exc

    async def probe(self) -> bool:
        """True when the upstream answers HTTP at all (any status) and the breaker is not open: the gateway's
        readiness signal."""
        if self.breaker.state is BreakerState.OPEN:
            return False
        try:
            with mapped_transport_errors():
                await self._http.get("/openapi.json", timeout=httpx.Timeout(2.0))
        except GatewayError:
            return False
        return True

    def _list_url(self, query: ListQuery) -> httpx.URL:
        """The list call's absolute URL, parsed once: a relative path plus params costs httpx three parses."""
        return httpx.URL(f"{self.base_url}/campaigns/{query.campaign_id}/targets?{urlencode(list_params(query))}")

    async def list_targets(self, caller: Caller, query: ListQuery, *, timeout: float | None = None) -> TargetPage:
        return await self._shared_get(caller, query.campaign_id, "page", self._list_url(query), decode.target_page,
                                      timeout)

    async def find_targets(self, caller: Caller, query: ListQuery, wanted: set[UUID], *,
                           timeout: float | None = None) -> tuple[dict[UUID, Target], int, int]:
        """One list page, decoding only the wanted targets: (found, rows on the page, total)."""
        data = await self._shared_get(caller, query.campaign_id, "rows", self._list_url(query), _as_is, timeout)
        return decode.matching_targets(data, wanted)

    def _target_path(self, campaign_id: UUID, target_id: UUID) -> str:
        return f"/campaigns/{campaign_id}/targets/{target_id}"

    async def delete_target(self, caller: Caller, campaign_id: UUID, target_id: UUID, *, purge: bool,
                            timeout: float | None = None) -> DeleteResult:
        await self._write(caller, campaign_id, "DELETE", self._target_path(campaign_id, target_id),
                          retry=Retry.UNSENT_ONLY if purge else Retry.IDEMPOTENT, route=TARGET_ROUTE,
                          params={"purge": "true"} if purge else None, timeout=timeout)
        return DeleteResult(target_id=target_id, purged=purge)

    async def restore_target(self, caller: Caller, campaign_id: UUID, target_id: UUID, *,
                             timeout: float | None = None) -> Target:
        response = await self._write(caller, campaign_id, "POST",
                                     self._target_path(campaign_id, target_id) + "/restore",
                                     retry=Retry.IDEMPOTENT, route=TARGET_ROUTE + "/restore", timeout=timeout)
        return decode.target(self._json(response))

    async def update_stage(self, caller: Caller, campaign_id: UUID, target_id: UUID, stage: str, *,
                           timeout: float | None = None) -> Target:
        response = await self._write(caller, campaign_id, "PATCH",
                                     self._target_path(campaign_id, target_id) + "/stage",
                                     retry=Retry.IDEMPOTENT, route=TARGET_ROUTE + "/stage", json_body={"stage": stage},
                                     timeout=timeout)
        return decode.target(self._json(response))

    async def verify_goal(self, caller: Caller, campaign_id: UUID, target_id: UUID, *,
                          timeout: float | None = None) -> Target:
        response = await self._write(caller, campaign_id, "POST",
                                     self._target_path(campaign_id, target_id) + "/verify-goal",
                                     retry=Retry.UNSENT_ONLY, route=TARGET_ROUTE + "/verify-goal", timeout=timeout)
        return decode.target(self._json(response))

    async def enroll_targets(self, caller: Caller, campaign_id: UUID, items: list[EnrollItem], *,
                             timeout: float | None = None) -> EnrollResult:
        body = {"items": [
            {"customer_id": str(i.customer_id),
             **({"assigned_agent_id": str(i.assigned_agent_id)} if i.assigned_agent_id else {})}
            for i in items
        ]}
        response = await self._write(caller, campaign_id, "POST", f"/campaigns/{campaign_id}/targets:bulk",
                                     retry=Retry.UNSENT_ONLY, route=LIST_ROUTE + ":bulk", json_body=body,
                                     timeout=timeout)
        # The documented response schema is empty: pass on whatever JSON came back, or null.
        result = None if not response.content else self._json(response)
        return EnrollResult(requested=len(items), result=result)

    async def create_customer_and_enroll(self, caller: Caller, campaign_id: UUID, customer: NewCustomer, *,
                                         timeout: float | None = None) -> EnrollCustomerResult:
        body: dict[str, Any] = {"customer_id": customer.external_id}
        for key, value in (("name", customer.name), ("surname", customer.surname), ("email", customer.email),
                           ("phone", customer.phone), ("status", customer.status),
                           ("customer_agent_id", customer.customer_agent_id),
                           ("assigned_agent_id", customer.assigned_agent_id)):
            if value is not None:
                body[key] = str(value)
        response = await self._write(caller, campaign_id, "POST",
                                     f"/campaigns/{campaign_id}/targets:create-customer", json_body=body,
                                     retry=Retry.UNSENT_ONLY, route=LIST_ROUTE + ":create-customer", timeout=timeout)
        return decode.enroll_customer_result(self._json(response))

    async def import_targets(self, caller: Caller, campaign_id: UUID, *, filename: str, content_type: str,
                             file: IO[bytes], skip_if_in_other_campaigns: bool,
                             timeout: float | None = None) -> ImportResult:
        """Send the file as multipart field ``file``; httpx reads it in chunks from the file object."""
        response = await self._write(
            caller, campaign_id, "POST", f"/campaigns/{campaign_id}/targets:import", retry=Retry.UNSENT_ONLY,
            route=LIST_ROUTE + ":import",
            params={"skip_if_in_other_campaigns": "true"} if skip_if_in_other_campaigns else None,
            files={"file": (filename, file, content_type)}, timeout=timeout,
        )
        return decode.import_result(self._json(response))
