# linkwatch worker image
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY linkwatch ./linkwatch
COPY schemas ./schemas
COPY streams ./streams
COPY agents ./agents
COPY graph ./graph
COPY rules ./rules
RUN pip install --no-cache-dir . && useradd --system --uid 10001 linkwatch \
    && mkdir -p /data && chown linkwatch /data && chmod 700 /data
USER linkwatch
ENTRYPOINT ["linkwatch"]
CMD ["worker", "-l", "info"]
