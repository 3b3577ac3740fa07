"""Known vulnerabilities in the locked dependencies (pip-audit on requirements.lock).

Fails on any known vulnerability. Where the vulnerability service cannot be reached (a closed
network: pip-audit then skips every package), says so plainly instead of passing in silence;
AUDIT_REQUIRED=1 turns that into a failure too."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"

result = subprocess.run(  # noqa: S603 (our own venv's pip-audit, fixed arguments)
    [
        str(ROOT / ".venv" / "bin" / "pip-audit"),
        "--requirement",
        str(LOCK),
        "--require-hashes",
        "--disable-pip",
        "--progress-spinner",
        "off",
        "--format",
        "json",
    ],
    capture_output=True,
    text=True,
    timeout=600,
)
try:
    report = json.loads(result.stdout)
except json.JSONDecodeError:
    print((result.stderr.strip().splitlines() or ["pip-audit no dio un informe"])[-1])
    print("pip-audit: no se pudo consultar el servicio de vulnerabilidades")
    sys.exit(1 if os.environ.get("AUDIT_REQUIRED") == "1" else 0)

dependencies = report.get("dependencies", [])
vulnerable = [d for d in dependencies if d.get("vulns")]
skipped = [d for d in dependencies if d.get("skip_reason")]
audited = len(dependencies) - len(skipped)
for dep in vulnerable:
    ids = ", ".join(v["id"] for v in dep["vulns"])
    print(f"VULNERABLE {dep['name']} {dep.get('version', '')}: {ids}")
print(
    f"pip-audit: {audited} paquetes auditados, {len(vulnerable)} con vulnerabilidades conocidas, "
    f"{len(skipped)} sin auditar"
)
if vulnerable:
    sys.exit(1)
if skipped and audited == 0:
    print(
        "pip-audit: el servicio de vulnerabilidades no responde desde esta máquina; nada auditado"
    )
    sys.exit(1 if os.environ.get("AUDIT_REQUIRED") == "1" else 0)
