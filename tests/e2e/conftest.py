"""The desk runs for real in these tests: its own migrated SQLite database, CSRF on, a werkzeug
server on a free port, and Debian's Chromium driven through Playwright. Each test module gives a
`desk_url` fixture that fills the database through `running_desk`."""
import threading
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from frontdesk import create_app
from frontdesk.extensions import db

# a page that answers in 50 ms on a quiet machine may take seconds while the database tests load both cores
expect.set_options(timeout=15_000)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@contextmanager
def running_desk(tmp_path, populate, config=None, outbox=False):
    """Migrate a fresh database, let `populate()` fill it, serve the app; yields its base URL.
    With `outbox`, the outbox worker runs beside it, as under `frontdesk run`."""
    from flask_migrate import upgrade

    from frontdesk.core import notify

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}", "SECRET_KEY": "e2e-secret",
                      "RATELIMIT_ENABLED": False, **(config or {})})
    app.instance_path = str(tmp_path)
    with app.app_context():
        upgrade()
        populate()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    worker = notify.start_worker_thread(app, interval=0.2) if outbox else None
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        if worker:
            worker[0].set()
            notify.wake()
            worker[1].join()
        server.shutdown()
        thread.join()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def page(desk_url):
    """A Chinese-speaking browser tab on the running desk, at a counter screen's size."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", base_url=desk_url)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()
