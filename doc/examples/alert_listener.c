/*
 * alert_listener — deliver leadscore alerts: LISTEN, print or forward, ack.
 *
 *   alert_listener [--exec CMD] [--max N] [--timeout SECONDS] [--timestamps] [CONNINFO]
 *
 * leadscore writes every alert to the outbox table leadscore.alert and
 * sends NOTIFY leadscore at commit.  A notification is only a wake-up: the
 * listener always reads the undelivered rows, so alerts raised while it
 * was down are delivered when it starts, and a crash between delivery and
 * ack delivers an alert again rather than losing it (at-least-once).
 *
 * Each alert's JSON payload is printed on a line; with --exec it is also
 * piped to `sh -c CMD` (e.g. a curl to a chat webhook) and acknowledged
 * only when CMD exits 0.  --max stops after N alerts, --timeout after that
 * many seconds without one (both for scripts and tests).  --timestamps
 * prefixes each printed payload with the time it was delivered (Unix
 * seconds and a tab), to measure how long alerts take to reach a person.
 *
 * Build: cc -o alert_listener alert_listener.c -I$(pg_config --includedir) -lpq
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#include <libpq-fe.h>

static const char *exec_cmd = NULL;
static int	timestamps = 0;

static void
die(PGconn *conn, const char *what)
{
	fprintf(stderr, "alert_listener: %s: %s", what, conn ? PQerrorMessage(conn) : "\n");
	if (conn)
		PQfinish(conn);
	exit(1);
}

static int
forward(const char *payload)
{
	FILE	   *p;

	if (exec_cmd == NULL)
		return 1;
	p = popen(exec_cmd, "w");
	if (p == NULL)
		return 0;
	fprintf(p, "%s\n", payload);
	return pclose(p) == 0;
}

/* Delivers every undelivered alert, oldest first; returns how many. */
static int
drain(PGconn *conn)
{
	PGresult   *res = PQexec(conn,
							 "SELECT id, payload FROM leadscore.alert"
							 " WHERE delivered_at IS NULL ORDER BY id");
	int			delivered = 0;
	int			i;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		die(conn, "reading leadscore.alert");
	for (i = 0; i < PQntuples(res); i++)
	{
		const char *id = PQgetvalue(res, i, 0);
		const char *payload = PQgetvalue(res, i, 1);
		const char *params[1] = {id};
		PGresult   *ack;

		if (timestamps)
		{
			struct timespec now;

			clock_gettime(CLOCK_REALTIME, &now);
			printf("%ld.%06ld\t", (long) now.tv_sec, (long) (now.tv_nsec / 1000));
		}
		printf("%s\n", payload);
		fflush(stdout);
		if (!forward(payload))
		{
			fprintf(stderr, "alert_listener: forwarding alert %s failed; it stays undelivered\n", id);
			continue;
		}
		ack = PQexecParams(conn, "SELECT leadscore.ack_alert($1::bigint)", 1, NULL, params,
						   NULL, NULL, 0);
		if (PQresultStatus(ack) != PGRES_TUPLES_OK)
			die(conn, "acknowledging an alert");
		PQclear(ack);
		delivered++;
	}
	PQclear(res);
	return delivered;
}

int
main(int argc, char **argv)
{
	const char *conninfo = "";
	long		max = -1;
	long		timeout = -1;
	long		total = 0;
	time_t		last = time(NULL);
	PGconn	   *conn;
	PGresult   *res;
	int			i;

	for (i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--exec") == 0 && i + 1 < argc)
			exec_cmd = argv[++i];
		else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc)
			max = atol(argv[++i]);
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout = atol(argv[++i]);
		else if (strcmp(argv[i], "--timestamps") == 0)
			timestamps = 1;
		else if (argv[i][0] != '-')
			conninfo = argv[i];
		else
		{
			fprintf(stderr, "usage: alert_listener [--exec CMD] [--max N] [--timeout SECONDS] [--timestamps] [CONNINFO]\n");
			return 2;
		}
	}

	conn = PQconnectdb(conninfo);
	if (PQstatus(conn) != CONNECTION_OK)
		die(conn, "connecting");
	res = PQexec(conn, "LISTEN leadscore");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		die(conn, "LISTEN");
	PQclear(res);

	/* LISTEN first, then drain: nothing committed in between is missed */
	for (;;)
	{
		int			n = drain(conn);
		int			sock = PQsocket(conn);
		fd_set		fds;
		struct timeval tv = {1, 0};
		PGnotify   *note;

		total += n;
		if (n > 0)
			last = time(NULL);
		if (max >= 0 && total >= max)
			break;
		if (timeout >= 0 && time(NULL) - last >= timeout)
		{
			fprintf(stderr, "alert_listener: no alert for %ld seconds\n", timeout);
			PQfinish(conn);
			return 3;
		}
		FD_ZERO(&fds);
		FD_SET(sock, &fds);
		if (select(sock + 1, &fds, NULL, NULL, &tv) < 0 && errno != EINTR)
			die(conn, "select");
		if (!PQconsumeInput(conn))
			die(conn, "reading notifications");
		while ((note = PQnotifies(conn)) != NULL)
			PQfreemem(note);
	}
	PQfinish(conn);
	return 0;
}
