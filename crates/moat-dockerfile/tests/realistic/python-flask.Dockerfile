# expect: MOAT-600, MOAT-628, MOAT-639
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
# expect: MOAT-615
RUN pip install -r requirements.txt
COPY . .
ENV FLASK_APP=app.py
EXPOSE 5000
# expect: MOAT-630
CMD flask run --host=0.0.0.0
