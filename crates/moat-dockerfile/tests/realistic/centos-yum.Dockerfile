# expect: MOAT-600, MOAT-628, MOAT-639
FROM centos:7
# expect: MOAT-642
RUN yum install -y epel-release && yum install -y nginx
# expect: MOAT-642, MOAT-646
RUN yum --nogpgcheck install -y https://example.com/agent.rpm
RUN rm -rf /var/cache/yum
EXPOSE 80
CMD ["nginx", "-g", "daemon off;"]
