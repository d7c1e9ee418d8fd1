# expect: MOAT-600, MOAT-602, MOAT-628, MOAT-639
FROM nginx
COPY default.conf /etc/nginx/conf.d/default.conf
COPY html/ /usr/share/nginx/html/
# expect: MOAT-626
RUN chmod 777 /var/cache/nginx /var/run
EXPOSE 80
# expect: MOAT-630
CMD nginx -g "daemon off;"
