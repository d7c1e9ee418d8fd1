# expect: MOAT-600, MOAT-628, MOAT-639
FROM ubuntu:22.04
# expect: MOAT-610, MOAT-611, MOAT-617
RUN apt-get update && apt-get install -y openssh-server sudo
# expect: MOAT-622, MOAT-641
RUN mkdir /var/run/sshd && echo 'root:changeme' | chpasswd
RUN useradd -m -s /bin/bash dev && echo "dev ALL=(ALL) NOPASSWD:ALL" >> /etc/sudoers
COPY id_rsa.pub /home/dev/.ssh/authorized_keys
# expect: MOAT-623
COPY id_rsa /home/dev/.ssh/id_rsa
# expect: MOAT-625
EXPOSE 22
CMD ["/usr/sbin/sshd", "-D"]
