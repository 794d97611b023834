/* Stop requests and temporary files; see include/echelon/stop.h. */
#include "echelon/stop.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_TEMP = 8, TEMP_PATH_MAX = 4096 };

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t temp_used[MAX_TEMP];
static char temp_path[MAX_TEMP][TEMP_PATH_MAX];
static int installed;

void ech_temp_remove_all(void)
{
    for (int i = 0; i < MAX_TEMP; ++i)
        if (temp_used[i]) {
            unlink(temp_path[i]); /* async-signal-safe */
            temp_used[i] = 0;
        }
}

static void on_signal(int sig)
{
    if (stop_signal && sig != SIGUSR1) {
        /* Asked twice: stop now, leaving no temporary file. */
        ech_temp_remove_all();
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    if (!stop_signal)
        stop_signal = sig;
}

void ech_stop_install(void)
{
    if (installed)
        return;
    installed = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; /* MPI and file calls go on; the run polls the flag */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

int ech_stop_requested(void)
{
    return stop_signal;
}

void ech_stop_request(int signal_number)
{
    if (!stop_signal)
        stop_signal = signal_number > 0 ? signal_number : SIGTERM;
}

void ech_stop_clear(void)
{
    stop_signal = 0;
}

void ech_temp_register(const char *path)
{
    if (!path || strlen(path) >= TEMP_PATH_MAX)
        return;
    for (int i = 0; i < MAX_TEMP; ++i)
        if (!temp_used[i]) {
            memcpy(temp_path[i], path, strlen(path) + 1);
            temp_used[i] = 1;
            return;
        }
}

void ech_temp_forget(const char *path)
{
    for (int i = 0; path && i < MAX_TEMP; ++i)
        if (temp_used[i] && strcmp(temp_path[i], path) == 0)
            temp_used[i] = 0;
}
