"""The sandbox's Starlette application: the eight Umanize campaign-target operations plus control routes."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from sandbox.analyzer import analyze, next_stage
from sandbox.faults import FaultConfig, FaultInjector, RequestLog
from sandbox.import_file import ImportFileError, parse_import
from sandbox.store import ACTION_REQUIRED, SORTABLE_FIELDS, CustomerFields, Store, TargetQuery, now_iso
from sandbox.validation import FieldCollector, RequestValidationError

DEMO_API_KEY = "umanize-demo-key"
DEMO_TENANT = "demo"
ACTION_PATTERN = "^(" + "|".join(ACTION_REQUIRED) + ")$"
# The optional query parameters PATCH .../stage and POST .../verify-goal document; validated as UUIDs.
EXTRA_ID_PARAMS = ("obj_id", "agent_id", "customer_id", "knowledge_base_id", "id")
MAX_IMPORT_BYTES = 100 * 1024 * 1024


@dataclass
class SandboxSettings:
    """Who may call the sandbox: each accepted key (X-API-Key or Bearer token) maps to a tenant."""

    credentials: dict[str, str] = field(default_factory=lambda: {DEMO_API_KEY: DEMO_TENANT})
    faults: FaultConfig = field(default_factory=FaultConfig)


Endpoint = Callable[[Request, str], Awaitable[Response]]


class Sandbox:
    """The assembled ASGI app: request log around fault injection around the Starlette routes."""

    def __init__(self, store: Store, settings: SandboxSettings | None = None) -> None:
        self.store = store
        self.settings = settings or SandboxSettings()
        self.routes = Starlette(
            routes=[
                Route("/campaigns/{campaign_id}/targets", self._authed(self.list_targets), methods=["GET"]),
                Route("/campaigns/{campaign_id}/targets/{target_id}", self._authed(self.delete_target),
                      methods=["DELETE"]),
                Route("/campaigns/{campaign_id}/targets/{target_id}/restore", self._authed(self.restore_target),
                      methods=["POST"]),
                Route("/campaigns/{campaign_id}/targets/{target_id}/stage", self._authed(self.update_stage),
                      methods=["PATCH"]),
                Route("/campaigns/{campaign_id}/targets/{target_id}/verify-goal",
                      self._authed(self.verify_goal), methods=["POST"]),
                Route("/campaigns/{campaign_id}/targets:bulk", self._authed(self.enroll_bulk), methods=["POST"]),
                Route("/campaigns/{campaign_id}/targets:create-customer",
                      self._authed(self.create_customer), methods=["POST"]),
                Route("/campaigns/{campaign_id}/targets:import", self._authed(self.import_targets),
                      methods=["POST"]),
                Route("/openapi.json", self.openapi, methods=["GET"]),
                Route("/_sandbox/health", self.health, methods=["GET"]),
                Route("/_sandbox/faults", self._authed(self.get_faults), methods=["GET"]),
                Route("/_sandbox/faults", self._authed(self.put_faults), methods=["PUT"]),
                Route("/_sandbox/requests", self._authed(self.get_requests), methods=["GET"]),
                Route("/_sandbox/requests", self._authed(self.clear_requests), methods=["DELETE"]),
                Route("/_sandbox/requests/totals", self._authed(self.request_totals), methods=["GET"]),
            ],
            exception_handlers={
                HTTPException: self._http_error,
                RequestValidationError: self._validation_error,
                Exception: self._server_error,
            },
        )
        self.faults = FaultInjector(self.routes, self.settings.faults)
        self.request_log = RequestLog(self.faults)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.request_log(scope, receive, send)

    # --- plumbing ---

    def _authed(self, endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        async def handler(request: Request) -> Response:
            return await endpoint(request, self._tenant(request))

        return handler

    def _tenant(self, request: Request) -> str:
        key = request.headers.get("x-api-key")
        if key is None:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            key = token.strip() if scheme.lower() == "bearer" else None
        if not key:
            raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
        tenant = self.settings.credentials.get(key)
        if tenant is None:
            raise HTTPException(401, "Invalid credentials", headers={"WWW-Authenticate": "Bearer"})
        return tenant

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code in (204, 304):
            return Response(status_code=exc.status_code, headers=exc.headers)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    async def _validation_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"detail": exc.errors}, status_code=422)

    async def _server_error(self, request: Request, exc: Exception) -> Response:
        return JSONResponse({"detail": "Internal Server Error"}, status_code=500)

    def _campaign_id(self, request: Request, tenant: str, collector: FieldCollector) -> str:
        """Validate the path (and whatever the collector gathered), then require the tenant's campaign."""
        campaign_id = collector.uuid(("path", "campaign_id"), request.path_params["campaign_id"])
        collector.raise_if_any()
        assert campaign_id is not None
        if self.store.campaign(tenant, str(campaign_id)) is None:
            raise HTTPException(404, "Campaign not found")
        return str(campaign_id)

    def _target_id(self, request: Request, collector: FieldCollector) -> str | None:
        target_id = collector.uuid(("path", "target_id"), request.path_params["target_id"])
        return str(target_id) if target_id else None

    async def _json_body(self, request: Request, collector: FieldCollector) -> Mapping[str, Any] | None:
        raw = await request.body()
        if not raw:
            collector.add(("body",), "Field required", "missing")
            return None
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            position = exc.pos if isinstance(exc, json.JSONDecodeError) else exc.start
            collector.add(("body", position), "JSON decode error", "json_invalid", {}, {"error": str(exc)})
            return None
        return collector.body_object(body)

    def _target_response(self, campaign_id: str, target_id: str) -> Response:
        target = self.store.target(campaign_id, target_id, include_deleted=True)
        if target is None:
            raise HTTPException(404, "Target not found")
        return JSONResponse(target)

    # --- the eight operations ---

    async def list_targets(self, request: Request, tenant: str) -> Response:
        params = request.query_params
        c = FieldCollector()
        stage = c.string(("query", "stage"), params.get("stage"))
        ai_label = c.string(("query", "ai_label"), params.get("ai_label"))
        action = c.pattern(("query", "action_required"), params.get("action_required"), ACTION_PATTERN)
        agent = c.uuid(("query", "assigned_agent_id"), params.get("assigned_agent_id"))
        include_deleted = c.boolean(("query", "include_deleted"), params.get("include_deleted"), False)
        only_deleted = c.boolean(("query", "only_deleted"), params.get("only_deleted"), False)
        limit = c.integer(("query", "limit"), params.get("limit"), 10, ge=1, le=200)
        offset = c.integer(("query", "offset"), params.get("offset"), 0, ge=0)
        sort_field = params.get("sort_field") or "created_at"
        if sort_field not in SORTABLE_FIELDS:
            c.add(("query", "sort_field"), "Unknown sort field; one of: " + ", ".join(SORTABLE_FIELDS),
                  "value_error", sort_field)
        sort_dir = c.choice(("query", "sort_dir"), params.get("sort_dir"), ("asc", "desc"), "desc")
        aggregations = c.boolean(("query", "include_aggregations"), params.get("include_aggregations"), False)
        date_from = c.datetime_bound(("query", "date_from"), params.get("date_from"), end_of_day=False)
        date_to = c.datetime_bound(("query", "date_to"), params.get("date_to"), end_of_day=True)
        campaign_id = self._campaign_id(request, tenant, c)
        query = TargetQuery(
            campaign_id=campaign_id, stage=stage, ai_label=ai_label, action_required=action,
            assigned_agent_id=str(agent) if agent else None, q=params.get("q") or None,
            date_from=date_from, date_to=date_to, include_deleted=include_deleted, only_deleted=only_deleted,
            limit=limit, offset=offset, sort_field=sort_field, sort_dir=sort_dir,
            include_aggregations=aggregations,
        )
        page = self.store.list_targets(query)
        sort = {"field": sort_field, "direction": sort_dir}
        filters = {
            "stage": stage, "ai_label": ai_label, "action_required": action,
            "assigned_agent_id": query.assigned_agent_id, "include_deleted": include_deleted,
            "only_deleted": only_deleted,
        }
        echo: dict[str, Any] = {"filters": {k: v for k, v in filters.items() if v is not None}, "sort": sort}
        if query.q:
            echo["q"] = query.q
        if date_from:
            echo["date_from"] = date_from.isoformat()
        if date_to:
            echo["date_to"] = date_to.isoformat()
        body: dict[str, Any] = {
            "data": page.rows,
            "meta": {"total": page.total, "limit": limit, "offset": offset, "sort": sort},
            "query": echo,
        }
        if page.aggregations is not None:
            body["aggregations"] = page.aggregations
        return JSONResponse(body)

    async def delete_target(self, request: Request, tenant: str) -> Response:
        c = FieldCollector()
        target_id = self._target_id(request, c)
        purge = c.boolean(("query", "purge"), request.query_params.get("purge"), False)
        campaign_id = self._campaign_id(request, tenant, c)
        assert target_id is not None
        if not self.store.delete_target(campaign_id, target_id, purge=purge):
            raise HTTPException(404, "Target not found")
        return Response(status_code=204)

    async def restore_target(self, request: Request, tenant: str) -> Response:
        c = FieldCollector()
        target_id = self._target_id(request, c)
        campaign_id = self._campaign_id(request, tenant, c)
        assert target_id is not None
        if not self.store.restore_target(campaign_id, target_id):
            raise HTTPException(404, "Target not found")
        return self._target_response(campaign_id, target_id)

    def _extra_ids(self, request: Request, c: FieldCollector) -> None:
        for name in EXTRA_ID_PARAMS:
            c.uuid(("query", name), request.query_params.get(name))

    async def update_stage(self, request: Request, tenant: str) -> Response:
        c = FieldCollector()
        target_id = self._target_id(request, c)
        self._extra_ids(request, c)
        body = await self._json_body(request, c)
        stage = None
        if body is not None:
            stage = c.string(("body", "stage"), body.get("stage"), required=True, min_length=1, max_length=64)
        campaign_id = self._campaign_id(request, tenant, c)
        assert target_id is not None and stage is not None
        if not self.store.update_target(campaign_id, target_id, stage=stage):
            raise HTTPException(404, "Target not found")
        return self._target_response(campaign_id, target_id)

    async def verify_goal(self, request: Request, tenant: str) -> Response:
        c = FieldCollector()
        target_id = self._target_id(request, c)
        self._extra_ids(request, c)
        campaign_id = self._campaign_id(request, tenant, c)
        assert target_id is not None
        target = self.store.target(campaign_id, target_id)
        campaign = self.store.campaign(tenant, campaign_id)
        if target is None or campaign is None:
            raise HTTPException(404, "Target not found")
        conversation = "\n\n".join(self.store.completed_conversations(target["customer_id"]))
        analysis = analyze(campaign["goal"], conversation)
        self.store.update_target(
            campaign_id, target_id,
            campaign_goal_result=analysis.result, campaign_goal_score=analysis.score,
            campaign_goal_rationale=analysis.rationale, campaign_sentiment=analysis.sentiment,
            campaign_sentiment_rationale=analysis.sentiment_rationale,
            callback_requested=int(analysis.callback_requested),
            callback_requested_rationale=analysis.callback_rationale,
            campaign_next_best_action=analysis.next_best_action,
            campaign_analysis_updated_at=now_iso(),
            stage=next_stage(target["stage"], analysis),
        )
        return self._target_response(campaign_id, target_id)

    async def enroll_bulk(self, request: Request, tenant: str) -> Response:
        c = FieldCollector()
        body = await self._json_body(request, c)
        items: list[tuple[str, str | None]] = []
        if body is not None:
            raw_items = body.get("items")
            if raw_items is None:
                c.add(("body", "items"), "Field required", "missing")
            elif not isinstance(raw_items, list):
                c.add(("body", "items"), "Input should be a valid list", "list_type", raw_items)
            else:
                for index, item in enumerate(raw_items):
                    if not isinstance(item, dict):
                        c.add(("body", "items", index), "Input should be a valid dictionary or object to"
                              " extract fields from", "model_attributes_type", item)
                        continue
                    customer = c.uuid(("body", "items", index, "customer_id"), item.get("customer_id"),
                                      required=True)
                    agent = c.uuid(("body", "items", index, "assigned_agent_id"), item.get("assigned_agent_id"))
                    if customer is not None:
                        items.append((str(customer), str(agent) if agent else None))
        campaign_id = self._campaign_id(request, tenant, c)
        return JSONResponse(self.store.enroll_bulk(tenant, campaign_id, items))

    async def create_customer(self, request: Request, tenant: str) -> Response:
        c = FieldCollector()
        body = await self._json_body(request, c)
        fields: CustomerFields | None = None
        assigned: str | None = None
        if body is not None:
            external_id = c.string(("body", "customer_id"), body.get("customer_id"), required=True, max_length=255)
            name = c.string(("body", "name"), body.get("name"), max_length=255)
            surname = c.string(("body", "surname"), body.get("surname"), max_length=255)
            email = c.email(("body", "email"), body.get("email"))
            phone = c.string(("body", "phone"), body.get("phone"), max_length=50)
            status = c.string(("body", "status"), body.get("status"), max_length=50)
            agent = c.uuid(("body", "customer_agent_id"), body.get("customer_agent_id"))
            assigned_uuid = c.uuid(("body", "assigned_agent_id"), body.get("assigned_agent_id"))
            assigned = str(assigned_uuid) if assigned_uuid else None
            if external_id is not None:
                fields = CustomerFields(
                    customer_id=external_id, name=name, surname=surname, email=email or None,
                    phone=phone or None, status=status, agent_id=str(agent) if agent else None,
                )
        campaign_id = self._campaign_id(request, tenant, c)
        assert fields is not None
        if not fields.email and not fields.phone:
            raise HTTPException(400, "At least one of email or phone is required")
        return JSONResponse(self.store.create_customer_and_enroll(tenant, campaign_id, fields, assigned))

    async def import_targets(self, request: Request, tenant: str) -> Response:
        c = FieldCollector()
        skip_other = c.boolean(("query", "skip_if_in_other_campaigns"),
                               request.query_params.get("skip_if_in_other_campaigns"), False)
        upload: UploadFile | None = None
        async with request.form(max_files=1, max_fields=50) as form:
            raw_file = form.get("file")
            if raw_file is None:
                c.add(("body", "file"), "Field required", "missing")
            elif not isinstance(raw_file, UploadFile):
                c.add(("body", "file"), "Expected UploadFile, received: <class 'str'>", "value_error", raw_file)
            else:
                upload = raw_file
            campaign_id = self._campaign_id(request, tenant, c)
            assert upload is not None
            if upload.size is not None and upload.size > MAX_IMPORT_BYTES:
                raise HTTPException(413, f"File larger than {MAX_IMPORT_BYTES} bytes")
            data = await upload.read()
            filename, content_type = upload.filename or "", upload.content_type or ""
        try:
            parsed = await run_in_threadpool(parse_import, filename, content_type, data)
        except ImportFileError as exc:
            raise HTTPException(400, str(exc)) from exc
        counts = await run_in_threadpool(
            self.store.import_customers, tenant, campaign_id, parsed.rows, skip_if_in_other_campaigns=skip_other
        )
        errors = sorted(parsed.errors + counts.errors, key=lambda e: e["row"])
        error_rows = {e["row"] for e in errors}
        result: dict[str, Any] = {
            "total": parsed.total,
            "created": counts.created,
            "updated": counts.updated,
            "skipped": counts.skipped + len(error_rows),
            "targets_created": counts.targets_created,
            "targets_skipped": counts.targets_skipped,
            "errors": errors,
        }
        if len(counts.created_target_ids) == 1:
            result["target"] = self.store.target(campaign_id, counts.created_target_ids[0])
        return JSONResponse(result)

    # --- documents and control routes ---

    async def openapi(self, request: Request) -> Response:
        text = resources.files("sandbox").joinpath("openapi.json").read_text(encoding="utf-8")
        return Response(text, media_type="application/json")

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def get_faults(self, request: Request, tenant: str) -> Response:
        return JSONResponse(self.faults.config.to_json())

    async def put_faults(self, request: Request, tenant: str) -> Response:
        try:
            config = FaultConfig.from_json(json.loads(await request.body() or b"{}"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise HTTPException(400, f"Invalid fault settings: {exc}") from exc
        problems = config.validate()
        if problems:
            raise HTTPException(400, "; ".join(problems))
        self.faults.configure(config)
        return JSONResponse(config.to_json())

    async def get_requests(self, request: Request, tenant: str) -> Response:
        return JSONResponse([asdict(r) for r in self.request_log.snapshot()])

    async def request_totals(self, request: Request, tenant: str) -> Response:
        """Requests by status since start (0: no response), for long runs that outgrow the log (make soak)."""
        totals = self.request_log.status_totals()
        return JSONResponse({"requests": sum(totals.values()), "statuses": {str(k): v for k, v in totals.items()},
                             "injected": dict(self.faults.injected)})

    async def clear_requests(self, request: Request, tenant: str) -> Response:
        self.request_log.clear()
        return Response(status_code=204)
