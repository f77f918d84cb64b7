# ToileMaker, the Symbiose web service and its page: `docker build -t symbiose . && docker run -p 8000:8000 symbiose`
# The database is a SQLite file in the /data volume (or PostgreSQL via DATABASE_URL); the
# Dunkirk inventory is loaded at first start and one optimisation is run in the background.
# Create a key with: docker exec <container> symbiose keys create --territory dunkerque --role coordinator
FROM node:20-slim AS web
# The web page's libraries, exactly as pinned by web/package-lock.json.
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////data/symbiose.sqlite

WORKDIR /app
COPY pyproject.toml README.md ./
COPY requirements ./requirements
COPY models ./models
COPY symbiose ./symbiose
COPY api ./api
COPY cli ./cli
COPY datasets ./datasets
COPY web/app ./web/app
COPY --from=web /web/node_modules ./web/node_modules
# Exactly the dependency set the tests ran on (requirements/lock.txt).
RUN pip install --no-cache-dir -c requirements/lock.txt . \
    && useradd --create-home --uid 1000 symbiose \
    && mkdir -p /data && chown symbiose /data

USER symbiose
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
CMD ["symbiose", "serve", "--host", "0.0.0.0", "--port", "8000", "--seed", "datasets/dunkerque/dunkerque.yaml", "--territory", "dunkerque"]
