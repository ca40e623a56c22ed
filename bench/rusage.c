/* SPDX-License-Identifier: MIT */
/*
 * rusage [-t SECONDS] CMD [ARG...]: run CMD with standard output to
 * /dev/null and print "WALL_SECONDS MAX_RSS_KIB CPU_SECONDS" of it on
 * standard output (CPU: user and system time of all its threads).
 * A small C parent keeps the pre-exec image of the child (which getrusage
 * counts) tiny.  With -t, CMD is killed after SECONDS and the exit status
 * is 124 (as timeout(1)); the figures are then those at the kill.
 * Exit status: CMD's (127 when it cannot run).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out;
static pid_t child;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	kill(child, SIGKILL);
}

int main(int argc, char **argv)
{
	unsigned timeout = 0;
	int first = 1;
	if (argc > 2 && !strcmp(argv[1], "-t")) {
		timeout = (unsigned)atoi(argv[2]);
		first = 3;
	}
	if (argc <= first) {
		fprintf(stderr, "usage: rusage [-t SECONDS] CMD [ARG...]\n");
		return 2;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	child = fork();
	if (child < 0) {
		perror("rusage: fork");
		return 2;
	}
	if (child == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
			_exit(127);
		execvp(argv[first], argv + first);
		perror(argv[first]);
		_exit(127);
	}
	if (timeout) {
		struct sigaction sa = {.sa_handler = on_alarm};
		sigaction(SIGALRM, &sa, NULL);
		alarm(timeout);
	}
	int status;
	struct rusage ru;
	while (wait4(child, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("rusage: wait4");
			return 2;
		}
	}
	alarm(0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double wall = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		     (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	printf("%.3f %ld %.3f\n", wall, ru.ru_maxrss, cpu);
	if (timed_out)
		return 124;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
