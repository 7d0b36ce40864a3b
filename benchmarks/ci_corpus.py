"""How fast `claimcheck check` lints a content repository, the way a CI job runs it.

What: writes N deterministic (seeded) Markdown files of about 5 KB each, the kind of
content a clinic's static site keeps in git: YAML front matter, headings, paragraphs,
bullet lists, in English or Spanish (about a third Spanish), a few overclaims, hedged
sentences and disclaimers. Then, in the same run, it times:

  (a) `claimcheck check DIR --format json -o FILE` as a subprocess, default jobs (one
      worker per core);
  (b) the same with `--jobs 1`;
  (c) proselint (`proselint check -o json FILE...`, batches of --batch files, one batch
      at a time) on the same files: a general prose linter, for scale;
  (d) proselint with one batch per core running at once (what pre-commit's parallel
      runs would do), when there is more than one core.

Wall-clock time includes process start-up, reading the files and writing the report.
(a) and (b) must produce the same JSON report (compared after loading); the script
exits 1 when they do not. proselint is not a dependency of claimcheck: install it in a
throwaway venv and pass `--proselint PATH` (default: /tmp/proselint-venv/bin/proselint,
else `proselint` on PATH); without it, (c) and (d) are skipped with a message.

Run from the repository root:

    python benchmarks/ci_corpus.py                          # 5,000 files
    python benchmarks/ci_corpus.py --files 30 --no-proselint   # smoke test
    python benchmarks/ci_corpus.py --keep /tmp/ci-corpus \
        --proselint /tmp/proselint-venv/bin/proselint
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20260511
TARGET_BYTES = 5 * 1024
DEFAULT_PROSELINT = "/tmp/proselint-venv/bin/proselint"

# --- vocabulary: original fragments written for this benchmark ------------------------

EN = {
    "clinic": [
        "Our clinic in Tijuana",
        "The Vida Nueva care team",
        "Our regenerative medicine center",
        "The endocrinology unit",
        "The patient coordination office",
        "The wellness program at Harbor Cell Center",
    ],
    "neutral": [
        "welcomes patients from both sides of the border",
        "explains every step of the consultation in plain language",
        "reviews your medical records before the first visit",
        "coordinates transport from the San Diego airport",
        "works with your own endocrinologist at home",
        "answers questions by phone and email in English and Spanish",
        "schedules follow-up calls at one, three and six months",
        "asks for recent HbA1c and C-peptide results",
        "provides written estimates before any procedure",
        "keeps a record of every adverse event reported by patients",
    ],
    "context": [
        "Type 1 diabetes is an autoimmune condition that destroys insulin-producing cells.",
        "Type 2 diabetes is managed with diet, exercise and medication.",
        "Insulin therapy lowers blood glucose and remains the standard of care.",
        "Mesenchymal stromal cells are being studied in small early-phase trials.",
        "Researchers are testing islet cell replacement in registered clinical studies.",
        "A continuous glucose monitor helps patients see trends through the day.",
        "Blood tests before treatment include kidney and liver function.",
        "Recovery after an infusion usually takes a day or two.",
        "Travel insurance that covers medical care abroad is strongly recommended.",
        "Results vary between patients and are not guaranteed.",
    ],
    "overclaim": [
        "Our stem cell therapy cures type 1 diabetes in a single visit.",
        "Say goodbye to insulin forever with our exclusive protocol.",
        "We guarantee results: 97% of our patients stop their injections.",
        "Stem cell treatment has no side effects and no risks.",
        "Our FDA-approved stem cells regenerate your pancreas.",
        "This miracle treatment reverses diabetes for good.",
        "Clinically proven to restore natural insulin production.",
        "Stem cell therapy is better than insulin for most patients.",
    ],
    "hedged": [
        "Some small studies suggest cell therapy may help certain patients, "
        "but the evidence is limited.",
        "Be wary of clinics that promise to reverse diabetes.",
        "No clinic can honestly promise that you will stop taking insulin.",
        "Early results in mice do not show what will happen in people.",
    ],
    "disclaimer": [
        "Stem cell therapy for diabetes is investigational and is not approved by the FDA.",
        "This treatment is experimental; its safety and efficacy have not been established.",
    ],
    "headings": [
        "How the consultation works",
        "What to expect",
        "Frequently asked questions",
        "Before you travel",
        "Costs and payment",
        "About our team",
        "Patient stories",
        "Safety and follow-up",
    ],
    "list": [
        "Bring your last three HbA1c results",
        "Keep taking your usual medication",
        "Arrange a companion for the day of the procedure",
        "Ask for a written consent form in advance",
        "Plan for two nights near the clinic",
        "Share the discharge summary with your doctor at home",
        "Check the registry number of any trial you are offered",
    ],
    "commercial": [
        "Packages start at $8,900 USD, including lodging.",
        "Book your free consultation today.",
        "Call us at +52 664 555 0147 to reserve a date.",
    ],
    "testimonial": [
        '"After my treatment I felt more energy," says Laura, 54.',
        '"The staff were kind and patient with every question," says Miguel, 61.',
    ],
}

ES = {
    "clinic": [
        "Nuestra clínica en Monterrey",
        "El equipo médico de Vida Nueva",
        "Nuestro centro de medicina regenerativa",
        "La unidad de endocrinología",
        "La coordinación de pacientes",
        "El programa de bienestar de Clínica Puerto Celular",
    ],
    "neutral": [
        "recibe pacientes de México y de Estados Unidos",
        "explica cada paso de la consulta con palabras sencillas",
        "revisa su expediente médico antes de la primera visita",
        "coordina el traslado desde el aeropuerto",
        "trabaja junto con su endocrinólogo de cabecera",
        "responde dudas por teléfono y correo en español e inglés",
        "programa llamadas de seguimiento a uno, tres y seis meses",
        "solicita resultados recientes de hemoglobina glucosilada",
        "entrega presupuestos por escrito antes de cualquier procedimiento",
        "registra cada evento adverso que reportan los pacientes",
    ],
    "context": [
        "La diabetes tipo 1 es una enfermedad autoinmune que destruye las células "
        "productoras de insulina.",
        "La diabetes tipo 2 se controla con dieta, ejercicio y medicamentos.",
        "La insulina reduce la glucosa en sangre y sigue siendo el tratamiento estándar.",
        "Las células estromales mesenquimales se estudian en ensayos pequeños de fase temprana.",
        "Un monitor continuo de glucosa ayuda a ver las tendencias del día.",
        "Los análisis previos incluyen función renal y hepática.",
        "La recuperación después de una infusión suele tomar uno o dos días.",
        "Los resultados varían entre pacientes y no están garantizados.",
    ],
    "overclaim": [
        "Nuestra terapia con células madre cura la diabetes tipo 1 en una sola visita.",
        "Diga adiós a la insulina para siempre con nuestro protocolo exclusivo.",
        "Garantizamos resultados: el 97% de nuestros pacientes deja las inyecciones.",
        "El tratamiento con células madre no tiene efectos secundarios.",
        "Este tratamiento milagroso revierte la diabetes definitivamente.",
        "Clínicamente comprobado para regenerar el páncreas.",
    ],
    "hedged": [
        "Algunos estudios pequeños sugieren que la terapia celular podría ayudar "
        "a ciertos pacientes.",
        "Desconfíe de las clínicas que prometen revertir la diabetes.",
        "Ninguna clínica puede prometer con honestidad que dejará la insulina.",
    ],
    "disclaimer": [
        "La terapia con células madre para la diabetes es experimental "
        "y no está aprobada por la FDA.",
        "Este tratamiento es de investigación; su seguridad y eficacia no se han demostrado.",
    ],
    "headings": [
        "Cómo funciona la consulta",
        "Qué esperar",
        "Preguntas frecuentes",
        "Antes de viajar",
        "Costos y formas de pago",
        "Nuestro equipo",
        "Historias de pacientes",
        "Seguridad y seguimiento",
    ],
    "list": [
        "Traiga sus últimos tres resultados de HbA1c",
        "Siga tomando su medicamento habitual",
        "Venga acompañado el día del procedimiento",
        "Pida el consentimiento informado por escrito",
        "Planee dos noches de estancia cerca de la clínica",
        "Comparta el resumen de alta con su médico",
    ],
    "commercial": [
        "Paquetes desde $165,000 MXN con hospedaje incluido.",
        "Agende hoy su consulta sin costo.",
        "Llame al +52 81 5550 2231 para reservar su fecha.",
    ],
    "testimonial": [
        "«Después del tratamiento me sentí con más energía», dice Laura, de 54 años.",
        "«El personal fue amable y paciente con cada pregunta», dice Miguel, de 61 años.",
    ],
}


def _sentence(rng: random.Random, vocab: dict[str, list[str]], overclaim_rate: float) -> str:
    roll = rng.random()
    if roll < overclaim_rate:
        return rng.choice(vocab["overclaim"])
    if roll < overclaim_rate + 0.04:
        return rng.choice(vocab["hedged"])
    if roll < overclaim_rate + 0.06:
        return rng.choice(vocab["disclaimer"])
    if roll < 0.55:
        return rng.choice(vocab["context"])
    return f"{rng.choice(vocab['clinic'])} {rng.choice(vocab['neutral'])}."


def make_page(index: int, seed: int = SEED) -> str:
    """Markdown page `index`: always the same text for the same seed."""
    rng = random.Random(seed * 100_003 + index)
    spanish = rng.random() < 0.33
    vocab = ES if spanish else EN
    other = EN if spanish else ES
    overclaim_rate = rng.choice((0.0, 0.0, 0.02, 0.05, 0.08))
    commercial = rng.random() < 0.5
    title = rng.choice(vocab["headings"])
    lines = [
        "---",
        f'title: "{title} ({index})"',
        f"date: 2026-{1 + index % 12:02d}-{1 + index % 28:02d}",
        f"lang: {'es-MX' if spanish else 'en-US'}",
        f"tags: [diabetes, {'celulas-madre' if spanish else 'stem-cells'}, page-{index % 50}]",
        "draft: false",
        "---",
        "",
        f"# {title}",
        "",
    ]
    size = sum(len(line) + 1 for line in lines)
    while size < TARGET_BYTES:
        kind = rng.random()
        if kind < 0.15:
            block = [f"## {rng.choice(vocab['headings'])}", ""]
        elif kind < 0.30:
            items = rng.sample(vocab["list"], k=min(len(vocab["list"]), rng.randint(3, 5)))
            block = [*(f"- {item}" for item in items), ""]
        elif kind < 0.36 and commercial:
            block = [rng.choice(vocab["commercial"]), ""]
        elif kind < 0.40:
            block = [f"> {rng.choice(vocab['testimonial'])}", ""]
        else:
            count = rng.randint(3, 6)
            words = [_sentence(rng, vocab, overclaim_rate) for _ in range(count)]
            if rng.random() < 0.1:
                words.append(_sentence(rng, other, 0.0))
            block = [" ".join(words), ""]
        lines += block
        size += sum(len(line) + 1 for line in block)
    return "\n".join(lines)


def write_corpus(directory: Path, files: int, seed: int) -> int:
    """Write `files` pages under 50 subdirectories; return the total bytes."""
    total = 0
    for i in range(files):
        path = directory / f"section-{i % 50:02d}" / f"page-{i:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = make_page(i, seed).encode("utf-8")
        path.write_bytes(data)
        total += len(data)
    return total


# --- measurements ---------------------------------------------------------------------


@dataclass
class Result:
    method: str
    files: int
    seconds: float
    findings: int | None
    note: str = ""


def claimcheck_command() -> list[str]:
    """The console script beside this Python, else the CLI module run by this Python."""
    script = Path(sys.executable).with_name("claimcheck")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from claimcheck.cli import main; main()"]


def run_claimcheck(corpus: Path, out: Path, jobs: int | None) -> tuple[float, dict]:
    cmd = [*claimcheck_command(), "check", str(corpus), "--format", "json", "-o", str(out)]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    env = dict(os.environ)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"claimcheck exited {proc.returncode}: {' '.join(cmd)}\n{proc.stderr}")
    return seconds, json.loads(out.read_text(encoding="utf-8"))


def _proselint_batch(exe: str, batch: list[str]) -> tuple[int, int]:
    proc = subprocess.run(
        [exe, "check", "-o", "json", *batch], capture_output=True, text=True, check=False
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"proselint exited {proc.returncode}: {proc.stderr[-2000:]}")
    result = json.loads(proc.stdout)["result"]
    return len(result), sum(len(entry.get("diagnostics", ())) for entry in result.values())


def run_proselint(exe: str, files: list[str], batch: int, workers: int) -> tuple[float, int, int]:
    batches = [files[i : i + batch] for i in range(0, len(files), batch)]
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        counts = list(pool.map(lambda b: _proselint_batch(exe, b), batches))
    seconds = time.perf_counter() - start
    return seconds, sum(c[0] for c in counts), sum(c[1] for c in counts)


def find_proselint(option: str | None) -> str | None:
    if option:
        return option if Path(option).exists() or shutil.which(option) else None
    if Path(DEFAULT_PROSELINT).exists():
        return DEFAULT_PROSELINT
    return shutil.which("proselint")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _table(results: list[Result], megabytes: float, baseline: dict[str, float]) -> str:
    header = ("method", "files", "seconds", "files/s", "MB/s", "findings", "vs proselint")
    rows = []
    for r in results:
        ref = baseline.get(r.method)
        ratio = f"{(r.files / r.seconds) / ref:.2f}x" if ref else "-"
        rows.append(
            (
                r.method,
                f"{r.files:,}",
                f"{r.seconds:.2f}",
                f"{r.files / r.seconds:,.1f}",
                f"{megabytes / r.seconds:.3f}",
                "-" if r.findings is None else f"{r.findings:,}",
                ratio,
            )
        )
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *(line(r) for r in rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=5000, help="number of files [5000]")
    parser.add_argument("--seed", type=int, default=SEED, help="corpus seed")
    parser.add_argument("--keep", metavar="DIR", help="write (and keep) the corpus here")
    parser.add_argument("--proselint", metavar="PATH", help="proselint executable")
    parser.add_argument("--no-proselint", action="store_true", help="skip (c) and (d)")
    parser.add_argument("--batch", type=int, default=250, help="files per proselint call [250]")
    args = parser.parse_args(argv)

    cores = os.cpu_count() or 1
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine: nproc={cores}, CPU {_cpu_model()!r}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    with tempfile.TemporaryDirectory(prefix="claimcheck-ci-") as tmp:
        corpus = Path(args.keep) if args.keep else Path(tmp) / "corpus"
        corpus.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        total = write_corpus(corpus, args.files, args.seed)
        megabytes = total / 1e6
        print(
            f"corpus: {args.files:,} Markdown files, {megabytes:.1f} MB "
            f"(mean {total / max(args.files, 1) / 1024:.1f} KB/file) in {corpus} "
            f"({time.perf_counter() - start:.1f} s to write)"
        )

        results: list[Result] = []
        seconds, report_a = run_claimcheck(corpus, Path(tmp) / "a.json", None)
        results.append(
            Result(
                f"(a) claimcheck jobs=auto ({cores})",
                report_a["summary"]["files"],
                seconds,
                report_a["summary"]["findings"],
            )
        )
        seconds, report_b = run_claimcheck(corpus, Path(tmp) / "b.json", 1)
        results.append(
            Result(
                "(b) claimcheck jobs=1",
                report_b["summary"]["files"],
                seconds,
                report_b["summary"]["findings"],
            )
        )
        deterministic = report_a == report_b
        checked = report_a["summary"]["files"]

        exe = None if args.no_proselint else find_proselint(args.proselint)
        baseline: dict[str, float] = {}
        if args.no_proselint:
            print("proselint: skipped (--no-proselint)")
        elif exe is None:
            print(
                "proselint: not found, (c) and (d) skipped. Install it in a throwaway venv: "
                "python -m venv /tmp/proselint-venv && /tmp/proselint-venv/bin/pip install "
                "proselint, then pass --proselint /tmp/proselint-venv/bin/proselint"
            )
        else:
            paths = sorted(str(p) for p in corpus.rglob("*.md"))
            seconds, linted, hits = run_proselint(exe, paths, args.batch, 1)
            serial = Result("(c) proselint, 1 process", linted, seconds, hits)
            results.append(serial)
            per_core = linted / seconds
            baseline["(b) claimcheck jobs=1"] = per_core
            if cores > 1:
                seconds, linted, hits = run_proselint(exe, paths, args.batch, cores)
                parallel = Result(f"(d) proselint, {cores} processes", linted, seconds, hits)
                results.append(parallel)
                baseline[results[0].method] = linted / seconds
            else:
                baseline[results[0].method] = per_core
            if linted != len(paths):
                print(f"warning: proselint reported {linted} of {len(paths)} files")

    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print(_table(results, megabytes, baseline))
    print()
    a, b = results[0], results[1]
    print(
        f"budget: {checked:,} files in {a.seconds:.1f} s with {cores} worker(s) "
        f"({checked / a.seconds:,.1f} files/s), {b.seconds:.1f} s with one "
        f"({checked / b.seconds:,.1f} files/s); parallel speed-up {b.seconds / a.seconds:.2f}x"
    )
    if baseline:
        print(
            "vs proselint (files/s ratio claimcheck/proselint): "
            + "; ".join(
                f"{r.method.split(' ', 1)[0]} {(r.files / r.seconds) / baseline[r.method]:.2f}x"
                for r in results
                if r.method in baseline
            )
            + " (ratios above 1 mean claimcheck is faster)"
        )
    findings_by_severity = report_a["summary"]["by_severity"]
    print(f"findings in (a): {a.findings:,} {findings_by_severity}")
    print(f"deterministic: {'yes' if deterministic else 'NO: (a) and (b) JSON reports differ'}")
    if checked != args.files:
        print(f"error: claimcheck checked {checked} of {args.files} files")
        return 1
    return 0 if deterministic else 1


if __name__ == "__main__":
    sys.exit(main())
