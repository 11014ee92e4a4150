"""W3C WebDriver over plain HTTP (no client library), and the checks the end-to-end scripts
share: a `Session` on the real app through tauri-driver, `check`, reading the shop's SQLite
file read-only, and rupiah as the window writes it."""

import base64
import http.client
import json
import os
import sqlite3
import time
import urllib.error
import urllib.request

DRIVER = os.environ.get("WEBDRIVER_URL", "http://127.0.0.1:4444")
ENTER, F3, F5, F6, F8 = "\ue007", "\ue033", "\ue035", "\ue036", "\ue038"
ARROW_DOWN, ESCAPE = "\ue015", "\ue00c"
CTRL = "\ue009"

checks = {"passed": 0, "failed": 0}


class CheckFailed(AssertionError):
    pass


def check(ok, what):
    checks["passed" if ok else "failed"] += 1
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        raise CheckFailed(what)


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    for attempt in range(4):
        req = urllib.request.Request(DRIVER + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return json.loads(r.read() or b"{}").get("value")
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{method} {path}: {e.code} {e.read()[:400]!r}") from None
        except (http.client.RemoteDisconnected, ConnectionResetError) as e:
            # tauri-driver closes the connection without an answer when its pooled connection
            # to WebKitWebDriver fails at the send stage ("client error (SendRequest)"): the
            # command never reached the browser, so sending it again is safe.
            if attempt == 3:
                raise
            print(f"note: retrying {method} {path} after transport error: {e}", flush=True)
            time.sleep(0.2)


ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class Session:
    def __init__(self, app, db):
        caps = {"capabilities": {"alwaysMatch": {"tauri:options": {"application": app, "args": ["--db", db]}}}}
        self.id = call("POST", "/session", caps)["sessionId"]

    def url(self, p=""):
        return f"/session/{self.id}{p}"

    def find_all(self, css):
        return [e[ELEMENT] for e in call("POST", self.url("/elements"), {"using": "css selector", "value": css})]

    def wait(self, css, timeout=60.0):
        end = time.time() + timeout
        while time.time() < end:
            found = self.find_all(css)
            if found:
                return found[0]
            time.sleep(0.1)
        self.shot("/tmp/pasarsuara-e2e-failure.png")
        raise AssertionError(f"timed out waiting for {css}")

    def wait_text(self, css, pred, timeout=30.0):
        end = time.time() + timeout
        text = None
        while time.time() < end:
            try:
                text = self.text(self.wait(css, timeout))
                if pred(text):
                    return text
            except RuntimeError:
                pass  # element replaced while reading
            time.sleep(0.1)
        self.shot("/tmp/pasarsuara-e2e-failure.png")
        raise AssertionError(f"{css}: unexpected text {text!r}")

    def click(self, css):
        call("POST", self.url(f"/element/{self.wait(css)}/click"), {})

    def type(self, css, text):
        call("POST", self.url(f"/element/{self.wait(css)}/value"), {"text": text})

    def keys(self, text):
        """Types into whatever has focus, as a keyboard would."""
        active = call("GET", self.url("/element/active"))[ELEMENT]
        call("POST", self.url(f"/element/{active}/value"), {"text": text})

    def chord(self, modifier, key):
        """Presses modifier+key and releases both (W3C Actions), e.g. Ctrl+2."""
        seq = [{"type": "keyDown", "value": modifier}, {"type": "keyDown", "value": key},
               {"type": "keyUp", "value": key}, {"type": "keyUp", "value": modifier}]
        call("POST", self.url("/actions"), {"actions": [{"type": "key", "id": "keyboard", "actions": seq}]})
        call("DELETE", self.url("/actions"))

    def text(self, el):
        return call("GET", self.url(f"/element/{el}/text"))

    def active_id(self):
        active = call("GET", self.url("/element/active"))[ELEMENT]
        return call("GET", self.url(f"/element/{active}/attribute/id"))

    def run(self, script, *args):
        return call("POST", self.url("/execute/sync"), {"script": script, "args": list(args)})

    def value(self, css):
        """The current value of an input (what the user sees typed in it)."""
        self.wait(css)
        return self.run("return document.querySelector(arguments[0]).value;", css)

    def texts(self, css):
        return [self.text(e) for e in self.find_all(css)]

    def resize(self, width, height):
        call("POST", self.url("/window/rect"), {"width": width, "height": height})
        time.sleep(0.5)

    def shot(self, path):
        time.sleep(0.4)  # let WebKit paint the last change before the snapshot
        png = call("GET", self.url("/screenshot"))
        with open(path, "wb") as f:
            f.write(base64.b64decode(png))

    def quit(self):
        call("DELETE", self.url())


def rupiah(n):
    s = f"{abs(int(n)):,}".replace(",", ".")
    return ("-Rp " if n < 0 else "Rp ") + s


def db_all(db, sql, *args):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def db_one(db, sql, *args):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(sql, args).fetchone()
    finally:
        con.close()
