# expect: MOAT-600, MOAT-628, MOAT-639
FROM python:3.9
ENV PYTHONUNBUFFERED=1
# expect: MOAT-621
ENV DJANGO_SECRET_KEY=django-insecure-7x!k2m
# expect: MOAT-621
ENV DATABASE_PASSWORD=postgres
# expect: MOAT-612
RUN apt-get update && apt-get upgrade -y
# expect: MOAT-610, MOAT-611, MOAT-617
RUN apt-get install -y libpq-dev gcc
# expect: MOAT-615, MOAT-619
RUN pip install django gunicorn psycopg2
RUN mkdir /code
WORKDIR /code
# expect: MOAT-606
ADD . /code/
# expect: MOAT-626
RUN chmod -R 777 /code
# expect: MOAT-630
CMD gunicorn mysite.wsgi:application --bind 0.0.0.0:8000
