"""A small clinic web site on 127.0.0.1 for crawl tests (and the sample crawl in the docs).

Pages: a commercial home page, a treatments page, a contact page that shows the COFEPRIS
permit and the physicians' cédulas, a page listed only in the sitemap, a link loop, an
endless chain of pages (depth limit), a redirect, a redirect off-site, a 500, a slow
page, a page over the size cap, a PDF, a CSV, a robots-disallowed page and an off-site
link. `version = 2` serves a changed home and treatments page (for `claimcheck diff`).
Every request's path and User-Agent is recorded in `requests`.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_SECONDS = 2.0
HUGE_BYTES = 3 * 1024 * 1024

_NAV = (
    '<nav><a href="/">Inicio</a> <a href="/tratamientos">Tratamientos</a> '
    '<a href="/contacto">Contacto</a></nav>'
)


def _page(title: str, body: str) -> bytes:
    return (
        f'<!DOCTYPE html><html lang="es-MX"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body>{_NAV}<main>{body}</main></body></html>"
    ).encode()


HOME = _page(
    "Células madre para la diabetes | Clínica Regenera Guadalajara",
    """
<h1>Células madre para la diabetes en Guadalajara</h1>
<p>Nuestro tratamiento con células madre cura la diabetes tipo 2. Resultados garantizados.</p>
<p>El Dr. Julián Esparza Morán aplica el tratamiento en nuestra clínica.</p>
<p>Paquete completo: $68,000 MXN. Agenda tu cita por WhatsApp al +52 33 5555 0142.</p>
<ul>
<li><a href="/tratamientos">Tratamientos</a></li>
<li><a href="/antes">Página anterior</a></li>
<li><a href="/salir">Aliados</a></li>
<li><a href="/error">Resultados</a></li>
<li><a href="/lento">Estudios</a></li>
<li><a href="/enorme">Galería</a></li>
<li><a href="/folleto.pdf">Folleto</a></li>
<li><a href="/precios.csv">Precios</a></li>
<li><a href="/privado/notas">Notas internas</a></li>
<li><a href="/ciclo/a">Blog</a></li>
<li><a href="/cadena/1">Archivo</a></li>
<li><a href="https://offsite.example/cupon">Cupón</a></li>
<li><a href="mailto:citas@clinica.example">Correo</a></li>
</ul>
""",
)
TREATMENTS = _page(
    "Tratamientos | Clínica Regenera",
    """
<h1>Tratamientos</h1>
<p>Con nuestras células madre puedes dejar la insulina para siempre.</p>
<p>Te atiende el Dr. Roberto Salinas en nuestra clínica.</p>
<p>Consulta: $2,500 MXN. Agenda hoy en nuestra clínica de Guadalajara.</p>
<p><a href="/">Volver al inicio</a> <a href="/tratamientos?b=2&amp;a=1#top">Esta página</a></p>
""",
)
CONTACT = _page(
    "Contacto | Clínica Regenera",
    """
<h1>Contacto</h1>
<p>Dr. Julián Esparza Morán, Cédula profesional 7654321.</p>
<p>Permiso de publicidad COFEPRIS No. 2423012002A00417.</p>
<p>Clínica Regenera, Av. Vallarta 100, Guadalajara, Jalisco. Tel. +52 33 5555 0142.</p>
""",
)
TEAM = _page(
    "Equipo | Clínica Regenera",
    "<h1>Equipo</h1><p>Dra. Ana Ruiz Treviño, Cédula profesional 1234567.</p>",
)
ORPHAN = _page(
    "Preguntas frecuentes | Clínica Regenera",
    "<h1>Preguntas frecuentes</h1><p>La terapia celular para la diabetes es experimental.</p>",
)
# The same site a month later (`SiteServer.version = 2`): on the home page the cure claim is
# reworded and "Resultados garantizados." is gone; the treatments page adds a claim of
# absolute safety and a visible text that looks like a <script> (escaped in the HTML).
HOME_V2 = HOME.replace(
    "Nuestro tratamiento con células madre cura".encode(),
    "Nuestro tratamiento de células madre cura".encode(),
).replace(b" Resultados garantizados.", b"")
TREATMENTS_V2 = TREATMENTS.replace(
    b"<h1>Tratamientos</h1>",
    (
        "<h1>Tratamientos</h1><p>Sin efectos secundarios: elimina la diabetes en 30 días.</p>"
        "<p>Opinión de un paciente: &lt;script&gt;window.__claimcheckPwned = 1&lt;/script&gt; "
        "me encantó.</p>"
    ).encode(),
)
LOOP_A = _page("Blog A", '<p>Artículo A.</p><p><a href="/ciclo/b">Siguiente</a></p>')
LOOP_B = _page("Blog B", '<p>Artículo B.</p><p><a href="/ciclo/a">Anterior</a></p>')


def _chain(n: int) -> bytes:
    return _page(f"Archivo {n}", f'<p>Archivo {n}.</p><p><a href="/cadena/{n + 1}">Más</a></p>')


def _robots(base: str) -> bytes:
    return f"User-agent: *\nDisallow: /privado/\n\nSitemap: {base}/sitemap.xml\n".encode()


def _sitemap(base: str) -> bytes:
    urls = "".join(
        f"<url><loc>{base}{path}</loc></url>"
        for path in ("/", "/tratamientos", "/preguntas", "/privado/lista")
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    server: SiteServer

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        self.server.requests.append((self.path, self.headers.get("User-Agent", "")))
        base = self.server.base
        v2 = self.server.version == 2
        static = {
            "/": HOME_V2 if v2 else HOME,
            "/tratamientos": TREATMENTS_V2 if v2 else TREATMENTS,
            "/contacto": CONTACT,
            "/equipo": TEAM,
            "/preguntas": ORPHAN,
            "/ciclo/a": LOOP_A,
            "/ciclo/b": LOOP_B,
        }
        try:
            if path in static:
                self._send(200, static[path])
            elif path == "/robots.txt":
                self._send(200, _robots(base), "text/plain")
            elif path == "/sitemap.xml":
                self._send(200, _sitemap(base), "application/xml")
            elif path == "/antes":
                self._redirect("/equipo")
            elif path == "/salir":
                self._redirect("https://offsite.example/")
            elif path == "/error":
                self._send(500, b"<h1>Internal Server Error</h1>")
            elif path == "/lento":
                time.sleep(SLOW_SECONDS)
                self._send(200, _page("Lento", "<p>Por fin.</p>"))
            elif path == "/enorme":
                self._send(200, b"<p>" + b"x" * HUGE_BYTES + b"</p>")
            elif path == "/folleto.pdf":
                self._send(200, b"%PDF-1.4\n% claimcheck test\n%%EOF\n", "application/pdf")
            elif path == "/precios.csv":
                self._send(200, b"paquete,precio\nbasico,68000\n", "text/csv")
            elif path.startswith("/cadena/"):
                self._send(200, _chain(int(path.rsplit("/", 1)[1])))
            else:
                self._send(404, b"<h1>Not found</h1>")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler hung up (size cap, timeout)


class SiteServer(ThreadingHTTPServer):
    """The test site; `base` is its http://127.0.0.1:PORT root; set `version = 2` to serve
    the changed home and treatments pages."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str]] = []
        self.version = 1
        self.base = f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> SiteServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


if __name__ == "__main__":  # python tests/site_server.py: serve until Ctrl-C
    with SiteServer() as site:
        print(site.base, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
