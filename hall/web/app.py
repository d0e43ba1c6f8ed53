"""The web application: routes, security headers, the live streams (server-sent events).

Pages are rendered on the server with Jinja2; a live page opens one event stream that
sends its changed parts again as HTML (and the chart data as JSON) whenever the hall
changes. Scripts come from the hall itself (``/static``), never from the internet.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from pathlib import Path

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from hall.web import cases as rating  # 好差评: the cases panel and the ticket page's rating
from hall.web import citizen, dashboard
from hall.web.accounts import Accounts, login_token, same_token
from hall.web.actions import ActionError, ask, perform
from hall.web.live import LiveHall

HERE = Path(__file__).resolve().parent
SESSION_COOKIE, LOGIN_COOKIE = "yc_session", "yc_login"
ECHARTS = HERE / "static" / "vendor" / "echarts.min.js"
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()
                         if k.lower().encode() not in names]
                if scope["path"].startswith("/static/"):
                    extra = [h for h in extra if h[0] != b"cache-control"]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        return await self.app(scope, receive, send_with_headers)


def create_app(config, live: LiveHall, accounts: Accounts | None = None, secure_cookies: bool = False) -> Starlette:
    accounts = accounts or Accounts(config)
    lookup = citizen.TokenLookup(live.reader)
    secret = secrets.token_bytes(32)
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    has_charts = ECHARTS.exists()

    def render(name: str, status: int = 200, **ctx) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(hall=config, **ctx), status_code=status)

    def plain(lang: str, headline: str, hint: str, status: int) -> HTMLResponse:
        return render("plain.html", status, lang=lang, headline=headline, hint=hint)

    def cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
        response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict", secure=secure_cookies,
                            path="/")

    def session_of(request: Request):
        return accounts.session(request.cookies.get(SESSION_COOKIE))

    # ------------------------------------------------------------------ the citizen's ticket page

    estimates = citizen.Estimates()

    async def find(token: str) -> dict | None:
        try:
            return await anyio.to_thread.run_sync(lookup, token)
        except Exception:  # no database yet, a locked file…: the plain page, never a trace
            return None

    async def ticket_page(row: dict, lang: str, asking: dict | None = None) -> dict | None:
        snap = await live.snapshot()
        if snap is None:
            return None
        page = citizen.ticket_page(config, snap[0], row, live.clock(), lang, estimates)
        if page["phase"] == "finished":
            try:
                page["rating"] = await anyio.to_thread.run_sync(rating.rating_of, live.reader, config, row,
                                                                live.clock())
            except Exception:
                page["rating"] = None
            page["levels"], page["reasons"] = rating.LEVEL_CHOICES, rating.reason_choices(config)
            page["asking"] = asking or {}
        return page

    def rate_token(token: str) -> str:
        return login_token(secret, "rate:" + token)

    def unknown(lang: str) -> HTMLResponse:
        tx = citizen.TEXT[lang]
        return plain(lang, tx["unknown"], tx["unknown_hint"], 404)

    async def ticket(request: Request):
        token = request.path_params["token"]
        lang = citizen.lang_of(request.query_params.get("lang"))
        row = await find(token)
        page = await ticket_page(row, lang) if row else None
        if page is None:
            return unknown(lang)
        return render("ticket.html", page=page, token=token, online=live.online, rate_csrf=rate_token(token))

    async def rate(request: Request):
        """The 二维码 channel of 好差评: the holder of a finished ticket rates it on the phone."""
        token = request.path_params["token"]
        form = await request.form()
        lang = citizen.lang_of(str(form.get("lang", "")))
        row = await find(token)
        if row is None:
            return unknown(lang)
        if not same_token(form.get("csrf"), rate_token(token)):
            return RedirectResponse(f"/t/{token}?lang={lang}", 303)
        level = str(form.get("level", ""))
        reasons = [str(r) for r in form.getlist("reason")][:10]
        text = str(form.get("text") or "").strip()[:200]
        asking = {"level": level, "reasons": reasons, "text": text}
        if rating.is_bad(level) and not reasons:  # a 差评 asks why first
            page = await ticket_page(row, lang, asking)
            return render("ticket.html", page=page, token=token, online=live.online, rate_csrf=rate_token(token))
        state = await anyio.to_thread.run_sync(rating.rating_of, live.reader, config, row, live.clock())
        if not state or state["state"] != "open":
            return RedirectResponse(f"/t/{token}?lang={lang}", 303)
        fields = {"window": state["window"], "number": row["number"], "level": level, "channel": "qr"}
        if reasons:
            fields["reasons"] = reasons
        if text:
            fields["text"] = text
        try:
            await anyio.to_thread.run_sync(ask, live.link, "rate", fields, "ok")
        except ActionError as err:
            page = await ticket_page(row, lang, {**asking, "error": str(err)})
            return render("ticket.html", err.status, page=page, token=token, online=live.online,
                          rate_csrf=rate_token(token))
        return RedirectResponse(f"/t/{token}?lang={lang}", 303)

    async def ticket_live(request: Request):
        lang = citizen.lang_of(request.query_params.get("lang"))
        row = await find(request.path_params["token"])  # once: the row's id never changes
        if row is None:
            return Response(status_code=404)

        async def fragment():
            page = await ticket_page(row, lang)
            if page is None:
                return None
            body = env.get_template("ticket_body.html").render(page=page, online=live.online,
                                                               token=request.path_params["token"],
                                                               rate_csrf=rate_token(request.path_params["token"]))
            return {"phase": page["phase"], "html": body}

        return stream(request, fragment)

    # ------------------------------------------------------------------ sign-in

    async def login_form(request: Request, error: str = "", status: int = 200):
        nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
        response = render("login.html", status, csrf=login_token(secret, nonce), error=error)
        cookie(response, LOGIN_COOKIE, nonce, max_age=3600)
        return response

    async def login(request: Request):
        if request.method == "GET":
            if session_of(request):
                return RedirectResponse("/manage", 303)
            return await login_form(request)
        form = await request.form()
        nonce = request.cookies.get(LOGIN_COOKIE, "")
        if not nonce or not same_token(form.get("csrf"), login_token(secret, nonce)):
            return await login_form(request, "页面已过期，请重新登录。", 403)
        address = request.client.host if request.client else "?"
        s, why = await anyio.to_thread.run_sync(accounts.sign_in, str(form.get("name", ""))[:64],
                                                str(form.get("password", ""))[:256], address)
        if s is None:
            minutes = config.web.lockout_minutes
            message = (f"尝试次数过多，已锁定，请{minutes}分钟后再试。" if why == "locked"
                       else "用户名或密码错误。")
            return await login_form(request, message, 429 if why == "locked" else 401)
        response = RedirectResponse("/manage", 303)
        cookie(response, SESSION_COOKIE, s.id, max_age=config.web.session_minutes * 60)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    async def logout(request: Request):
        s = session_of(request)
        form = await request.form()
        if s and same_token(form.get("csrf"), s.csrf):
            accounts.sign_out(s.id)
        response = RedirectResponse("/login", 303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # ------------------------------------------------------------------ the dashboard

    async def board_model(s) -> dict | None:
        snap = await live.snapshot()
        if snap is None:
            return None
        state, events = snap
        m = dashboard.model(config, state, events, live.clock(), s.may_act, live.hour_of)
        m["rating"] = True
        if state.day:
            m["cases"] = await anyio.to_thread.run_sync(rating.open_cases, live.reader, config, state.day, s.may_act)
        return m

    def parts(m: dict, s) -> dict:
        ctx = {"m": m, "s": s, "online": live.online}
        names = ("windows", "services", "alerts", "calls", "today", "cases")
        out = {name: env.get_template(f"dash_{name}.html").render(**ctx) for name in names}
        busiest = sorted((x for x in m["services"] if x["waiting"]), key=lambda x: -x["waiting"])[:8]
        return {"html": out, "chart": m["today"]["chart"], "lines": [
            {"name": x["name"], "waiting": x["waiting"]} for x in busiest], "online": live.online}

    async def manage(request: Request):
        s = session_of(request)
        if s is None:
            return RedirectResponse("/login", 303)
        m = await board_model(s)
        if m is None:
            return plain("zh", "暂时读不到大厅的数据", "请确认大厅中枢（hub）正在运行，稍后刷新本页。", 503)
        first = parts(m, s)
        return render("dashboard.html", m=m, s=s, parts=first["html"], online=live.online,
                      initial=json.dumps({k: first[k] for k in ("chart", "lines")}, ensure_ascii=False).replace("</", "<\\/"),
                      has_charts=has_charts)

    async def manage_live(request: Request):
        s = session_of(request)
        if s is None:
            return Response(status_code=401)

        async def fragment():
            if session_of(request) is None:
                return None
            m = await board_model(s)
            return parts(m, s) if m else None

        return stream(request, fragment)

    async def act(request: Request):
        s = session_of(request)
        if s is None:
            return JSONResponse({"ok": False, "message": "请先登录。"}, 401)
        form = await request.form()
        if not same_token(form.get("csrf"), s.csrf):
            return JSONResponse({"ok": False, "message": "页面已过期，请刷新后重试。"}, 403)
        if not s.may_act:
            return JSONResponse({"ok": False, "message": "只读账号不能操作。"}, 403)
        try:
            message = await anyio.to_thread.run_sync(perform, live.link, config, dict(form), s.display)
        except ActionError as err:
            return JSONResponse({"ok": False, "message": str(err)}, err.status)
        return JSONResponse({"ok": True, "message": message})

    async def report(request: Request):
        s = session_of(request)
        if s is None:
            return RedirectResponse("/login", 303)
        from hall.web.report import ReportError, build, period_of
        q = request.query_params
        try:
            period = period_of(q.get("day"), q.get("month"), live.calendar.day(live.clock()).isoformat())
            data, name = await anyio.to_thread.run_sync(
                lambda: build(config, live.reader, period, lang=citizen.lang_of(q.get("lang")), names=s.may_act))
        except ReportError as err:
            return plain("zh", "无法生成报表", str(err), 400)
        return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    async def home(request: Request):
        return RedirectResponse("/manage", 303)

    async def health(request: Request):
        return JSONResponse({"ok": True, "broker": live.online, "seq": live.link.last_seq if live.link else None})

    # ------------------------------------------------------------------ server-sent events

    def stream(request: Request, fragment) -> Response:
        async def events():
            last, seen = None, -1
            yield "retry: 2000\n\n"
            while True:
                seen = live.version
                payload = await fragment()
                if payload is None:
                    yield "event: gone\ndata: {}\n\n"
                    return
                text = json.dumps(payload, ensure_ascii=False)
                if text != last:
                    last = text
                    yield f"event: update\ndata: {text}\n\n"
                if not await live.wait_change(seen):
                    yield ": keepalive\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @contextlib.asynccontextmanager
    async def lifespan(app):
        live.attach(asyncio.get_running_loop())
        yield

    routes = [
        Route("/", home), Route("/healthz", health),
        Route("/t/{token}", ticket), Route("/t/{token}/live", ticket_live),
        Route("/t/{token}/rate", rate, methods=["POST"]),
        Route("/login", login, methods=["GET", "POST"]), Route("/logout", logout, methods=["POST"]),
        Route("/manage", manage), Route("/manage/live", manage_live),
        Route("/manage/act", act, methods=["POST"]), Route("/manage/report", report),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    async def not_found(request: Request, exc):
        tx = citizen.TEXT["zh"]
        if request.url.path.startswith("/t/"):
            return plain("zh", tx["unknown"], tx["unknown_hint"], 404)
        return plain("zh", "没有这个页面", "请检查网址，或回到大厅管理台首页。", 404)

    async def refused(request: Request, exc):
        return plain("zh", "不能这样打开这个页面", "请回到上一页重试。", getattr(exc, "status_code", 400))

    async def failed(request: Request, exc):
        return plain("zh", "系统暂时出了问题", "请稍后刷新本页；问题持续时请联系管理员。", 500)

    handlers = {404: not_found, 405: refused, 400: refused, 500: failed, Exception: failed}
    return Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(SecurityHeaders)],
                     exception_handlers=handlers)
