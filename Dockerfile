# RiskStream's API and processors (one image, two commands); see docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY app app
COPY streams streams
COPY projections projections
COPY engines engines
COPY infra infra
COPY examples examples
RUN pip install --no-cache-dir .
ENV RISKSTREAM_BLOB_DIR=/data/blobs
CMD ["riskstream", "api", "--host", "0.0.0.0", "--port", "8000"]
