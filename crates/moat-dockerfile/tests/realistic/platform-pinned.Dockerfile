# expect: MOAT-635
FROM --platform=linux/amd64 python:3.12.4-slim AS build
RUN pip install --no-cache-dir --target /deps requests==2.32.3
# expect: MOAT-628, MOAT-635, MOAT-639
FROM --platform=linux/amd64 gcr.io/distroless/python3-debian12:nonroot
COPY --from=build /deps /deps
ENV PYTHONPATH=/deps
COPY app.py /app.py
CMD ["/app.py"]
