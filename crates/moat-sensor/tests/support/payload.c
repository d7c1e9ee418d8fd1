/* The "downloaded" binary of the download-and-exec scenario: prints a marker and its
 * parent's comm ("-" when the parent is outside its PID namespace, e.g. `runc exec`). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char path[64], comm[64] = "-";
    pid_t ppid = getppid();
    if (ppid > 0) {
        snprintf(path, sizeof path, "/proc/%d/comm", (int)ppid);
        FILE *f = fopen(path, "r");
        if (f != NULL) {
            if (fgets(comm, sizeof comm, f) == NULL) {
                strcpy(comm, "?");
            }
            fclose(f);
            comm[strcspn(comm, "\n")] = '\0';
        }
    }
    printf("moat-payload ran\nparent=%s\n", comm);
    return 0;
}
