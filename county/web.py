"""The county's web view (县级监察): every hall live, the day's comparison of halls, 好差评 per
hall and per service, and the county report as XLSX. Same shape as the hall's web: pages
rendered on the server with Jinja2, one server-sent event stream that sends the live part
again as HTML, scripts and styles from the county server itself (never the internet), a
sign-in with a password and a CSRF token, strict security headers.

``yichuang county --listen 127.0.0.1:8090`` serves it beside the ingest. Sign-in is the hall
web's (``hall.web.accounts``): the county file's ``[[account]]`` entries with Argon2 hashes,
sessions in HttpOnly cookies with a CSRF token each, a lockout after repeated wrong passwords;
the style is the hall web's ``web.css`` with ``county.css`` on top.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio
import psycopg
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from county import report, view
from county.config import CountyConfig
from hall.web.accounts import Accounts, login_token, same_token

HERE = Path(__file__).resolve().parent
HALL_WEB_STATIC = Path(__file__).resolve().parents[1] / "hall" / "web" / "static"
ECHARTS = HALL_WEB_STATIC / "vendor" / "echarts.min.js"  # fetched by scripts/setup.sh, served from here
SESSION_COOKIE, LOGIN_COOKIE = "ycc_session", "ycc_login"
LIVE_EVERY = 2.0  # seconds between live updates
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
}


class Reader:
    """The web's own read connection (the ingest has its own); one query at a time."""

    def __init__(self, dsn: str):
        self.dsn = dsn
        self._conn: psycopg.Connection | None = None
        self._lock = threading.Lock()

    def run(self, fn, *args):
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._conn is None or self._conn.closed:
                        self._conn = psycopg.connect(self.dsn, autocommit=True)
                    return fn(self._conn, *args)
                except psycopg.OperationalError:
                    self._conn = None  # PostgreSQL restarted: connect again once
                    if attempt == 2:
                        raise

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


def _halls(conn: psycopg.Connection) -> list[dict]:
    rows = conn.execute("SELECT id, name, last_seq, last_event_at, summary, summary_at FROM halls ORDER BY id")
    return [{"id": r[0], "name": r[1], "last_seq": r[2], "last_event_at": r[3], "summary": r[4], "summary_at": r[5]}
            for r in rows.fetchall()]


class CountyPages:
    def __init__(self, config: CountyConfig, reader: Reader, clock=lambda: time.time()):
        self.config, self.reader, self.clock = config, reader, clock
        self.zone = ZoneInfo(config.timezone)

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock(), self.zone)

    def live(self) -> dict:
        now = self.now()
        rows = view.live_rows(self.config, self.reader.run(_halls), now)
        return {"rows": rows, "now": now.strftime("%Y-%m-%d %H:%M:%S"),
                "flagged": sum(r.status != "ok" for r in rows),
                "waiting": sum(r.waiting for r in rows), "open": sum(r.windows_open for r in rows)}

    def day(self, day: dt.date) -> dict:
        table = self.reader.run(view.day_table, self.config, day)
        rated = self.reader.run(view.ratings, self.config, day, day)
        chart = {"halls": [r["name"] for r in table], "tickets": [r["tickets"] for r in table],
                 "served": [r["served"] for r in table], "mean_wait": [r["mean_wait"] for r in table]}
        return {"table": table, "ratings": rated, "day": day.isoformat(), "chart": chart}


def parse_day(text: str | None, today: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else today
    except ValueError:
        return today


def create_app(config: CountyConfig, reader: Reader, secure_cookies: bool = False,
               clock=lambda: time.time()) -> Starlette:
    pages = CountyPages(config, reader, clock)
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    accounts = Accounts(config)
    secret = secrets.token_bytes(32)

    def render(name: str, status: int = 200, **ctx) -> HTMLResponse:
        response = HTMLResponse(env.get_template(name).render(county=config, **ctx), status_code=status)
        response.headers.update({**HEADERS, "Cache-Control": "no-store"})
        return response

    def session_of(request: Request):
        return accounts.session(request.cookies.get(SESSION_COOKIE))

    def cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
        response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict", secure=secure_cookies,
                            path="/")

    def login_page(error: str = "", status: int = 200) -> HTMLResponse:
        nonce = secrets.token_urlsafe(24)
        response = render("login.html", status, csrf=login_token(secret, nonce), error=error)
        cookie(response, LOGIN_COOKIE, nonce, 900)
        return response

    async def login(request: Request):
        if request.method == "GET":
            return login_page()
        form = await request.form()
        nonce = request.cookies.get(LOGIN_COOKIE, "")
        if not nonce or not same_token(str(form.get("csrf", "")), login_token(secret, nonce)):
            return login_page("页面已过期，请重新登录。The page expired; please sign in again.", 400)
        address = request.client.host if request.client else "?"
        session, why = await anyio.to_thread.run_sync(accounts.sign_in, str(form.get("name", ""))[:64],
                                                      str(form.get("password", ""))[:256], address)
        if session is None:
            if why == "locked":
                return login_page(f"尝试次数过多，请 {config.web.lockout_minutes} 分钟后再试。"
                                  f"Too many attempts; try again in {config.web.lockout_minutes} minutes.", 429)
            return login_page("用户名或密码不对。Wrong name or password.", 401)
        response = RedirectResponse("/", 303)
        cookie(response, SESSION_COOKIE, session.id, config.web.session_minutes * 60)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    async def logout(request: Request):
        session = session_of(request)
        form = await request.form()
        if session is not None and same_token(str(form.get("csrf", "")), session.csrf):
            accounts.sign_out(session.id)
        response = RedirectResponse("/login", 303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    def signed_in(request: Request) -> bool:
        return session_of(request) is not None

    async def home(request: Request):
        if not signed_in(request):
            return RedirectResponse("/login", 303)
        day = parse_day(request.query_params.get("day"), pages.now().date())
        try:
            live = await anyio.to_thread.run_sync(pages.live)
            today = await anyio.to_thread.run_sync(pages.day, day)
        except psycopg.Error:
            return render("county_offline_page.html", 503)
        return render("county.html", live=live, today=today, session=session_of(request), has_charts=ECHARTS.exists())

    async def live_stream(request: Request):
        if not signed_in(request):
            return Response(status_code=401)
        day = parse_day(request.query_params.get("day"), pages.now().date())

        async def events():
            last = None
            while not await request.is_disconnected():
                try:
                    live = await anyio.to_thread.run_sync(pages.live)
                    today = await anyio.to_thread.run_sync(pages.day, day)
                    html = env.get_template("county_live.html").render(county=config, live=live, today=today)
                except psycopg.Error:
                    html = env.get_template("county_offline.html").render(county=config)
                if html != last:
                    last = html
                    yield "event: live\n" + "".join(f"data: {line}\n" for line in html.splitlines()) + "\n"
                else:
                    yield ": still here\n\n"
                await asyncio.sleep(LIVE_EVERY)

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={**HEADERS, "Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def xlsx(request: Request):
        if not signed_in(request):
            return RedirectResponse("/login", 303)
        day = parse_day(request.query_params.get("day"), pages.now().date())
        try:
            live = await anyio.to_thread.run_sync(pages.live)
            today = await anyio.to_thread.run_sync(pages.day, day)
        except psycopg.Error:
            return render("county_offline_page.html", 503)
        body = report.workbook(config, live, today)
        return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={**HEADERS, "Content-Disposition": f'attachment; filename="county-{config.id}-{day}.xlsx"'})

    return Starlette(routes=[
        Route("/", home), Route("/login", login, methods=["GET", "POST"]), Route("/logout", logout, methods=["POST"]),
        Route("/live", live_stream), Route("/report.xlsx", xlsx),
        Mount("/static", StaticFiles(directory=HALL_WEB_STATIC), name="static"),  # the hall web's web.css
        Mount("/county-static", StaticFiles(directory=HERE / "static"), name="county-static"),
    ])


def serve_in_thread(app: Starlette, host: str, port: int):
    """Start uvicorn on a thread of its own; returns the server (``should_exit = True`` stops it)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="county-web", daemon=True)
    thread.start()
    return server, thread
