# linkwatch worker image
# Wheels only (--only-binary :all:): python:3.11-slim has no compiler, and nothing linkwatch
# needs at run time has to be compiled. FollowTheMoney (export/share --format ftm) is the
# optional extra linkwatch[ftm], left out here: its PyICU dependency exists only as source.
# Exact versions come from constraints.txt, as in CI (scripts/test).
# tests/test_container.py installs exactly this into a fresh venv (Docker does not run there).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md LICENSE constraints.txt ./
COPY linkwatch ./linkwatch
COPY schemas ./schemas
COPY streams ./streams
COPY agents ./agents
COPY graph ./graph
COPY rules ./rules
RUN pip install --no-cache-dir --only-binary :all: -c constraints.txt . \
    && useradd --system --uid 10001 linkwatch \
    && mkdir -p /data && chown linkwatch /data && chmod 700 /data
USER linkwatch
ENTRYPOINT ["linkwatch"]
CMD ["worker", "-l", "info"]
