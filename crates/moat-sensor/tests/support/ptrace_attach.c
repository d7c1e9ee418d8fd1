/* ptrace-attach PID: PTRACE_ATTACH to PID, wait for the stop, detach. Built with
 * `cc -static` by the moat-sensor test harness: busybox has no strace. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: ptrace-attach PID\n");
        return 2;
    }
    pid_t pid = (pid_t)atoi(argv[1]);
    if (ptrace(PTRACE_ATTACH, pid, 0, 0) != 0) {
        perror("PTRACE_ATTACH");
        return 1;
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) {
        perror("waitpid");
        return 1;
    }
    if (ptrace(PTRACE_DETACH, pid, 0, 0) != 0) {
        perror("PTRACE_DETACH");
        return 1;
    }
    printf("attached %d\n", (int)pid);
    return 0;
}
