# One image for web, worker and beat (docker-compose.yml picks the bin/serve subcommand).
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=appraisal.settings.production
WORKDIR /app
RUN useradd --create-home --uid 1000 appraisal
COPY pyproject.toml ./
COPY appraisal/ appraisal/
COPY kpis/ kpis/
COPY reviews/ reviews/
# Install the dependencies only (the project itself runs from /app, with its data files).
RUN pip install . && pip uninstall -y pm-appraisal
ENV PYTHONPATH=/app
COPY . .
COPY --from=assets /app/node_modules node_modules/
# collectstatic needs settings, not secrets: a throwaway key is used for this step only.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret-but-long-enough-to-pass \
    DJANGO_ALLOWED_HOSTS=localhost DATABASE_URL=postgres://unused/unused \
    bin/serve collectstatic \
    && mkdir -p /app/media && chown -R appraisal /app/media
USER appraisal
EXPOSE 8000
CMD ["bin/serve", "web"]
