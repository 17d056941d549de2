"""Running a program (a fixture, the demo) with the real `openai` SDK against a fake server: only
127.0.0.1 is ever reached. The DashScope host in the program is swapped for the server's
address, and OPENAI_BASE_URL points clients with no base_url at its OpenAI path, where content
parts are checked as OpenAI's API checks them."""

from __future__ import annotations

import os
import re
import subprocess
import sys

DASHSCOPE_HOST = re.compile(r"https://dashscope(?:-intl|-us)?\.aliyuncs\.com")
RUN_TIMEOUT = 30


def start_program(source: str, folder, server) -> subprocess.Popen:
    path = folder / "program.py"
    path.write_text(DASHSCOPE_HOST.sub(server.base_url, source))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "OPENAI_API_KEY": "test-key",
        "DASHSCOPE_API_KEY": "test-key",
        # Clients with no base_url talk to the fake as OpenAI's API (its content-part checks).
        "OPENAI_BASE_URL": f"{server.base_url}/openai/v1",
        "NO_PROXY": "127.0.0.1,localhost",
        "PYTHONHASHSEED": "0",
    }
    return subprocess.Popen(
        [sys.executable, str(path)], cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def run_program(source: str, folder, server) -> subprocess.CompletedProcess:
    return finished(start_program(source, folder, server))


def finished(process: subprocess.Popen) -> subprocess.CompletedProcess:
    try:
        stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
