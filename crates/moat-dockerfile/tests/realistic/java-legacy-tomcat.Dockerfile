# expect: MOAT-600, MOAT-628, MOAT-639
FROM tomcat:9
RUN rm -rf /usr/local/tomcat/webapps/*
# expect: MOAT-605
ADD https://repo.example.com/releases/shop-2.3.war /usr/local/tomcat/webapps/ROOT.war
COPY server.xml /usr/local/tomcat/conf/
# expect: MOAT-623
COPY keystore.jks /usr/local/tomcat/conf/
ENV JAVA_OPTS="-Xmx512m"
EXPOSE 8080 8443
CMD ["catalina.sh", "run"]
