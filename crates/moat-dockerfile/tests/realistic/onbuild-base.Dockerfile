# expect: MOAT-628
FROM python:3.12.4-slim
ONBUILD COPY requirements.txt /app/
ONBUILD RUN pip install --no-cache-dir -r /app/requirements.txt
# expect: MOAT-606
ONBUILD ADD . /app
WORKDIR /app
USER 1000
LABEL org.opencontainers.image.description="base for Python services"
CMD ["python", "main.py"]
