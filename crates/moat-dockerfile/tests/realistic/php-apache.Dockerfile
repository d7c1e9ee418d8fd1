# expect: MOAT-628, MOAT-639
FROM php:8.3-apache
# expect: MOAT-610, MOAT-611, MOAT-617
RUN apt-get update && apt-get install -y libzip-dev unzip \
    && docker-php-ext-install zip pdo_mysql
# expect: MOAT-607, MOAT-641
RUN curl -sS https://getcomposer.org/installer | php -- --install-dir=/usr/local/bin --filename=composer
COPY . /var/www/html/
# expect: MOAT-632
RUN cd /var/www/html && composer install --no-dev
RUN chown -R www-data:www-data /var/www/html
USER www-data
