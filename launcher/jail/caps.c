/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "jail/caps.h"

#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <sys/prctl.h>

#include "base/privdrop.h"
#include "base/util.h"

enum {
	F_UID = 1 << 0,
	F_GID = 1 << 1,
	F_GROUPS = 1 << 2,
	F_CAPINH = 1 << 3,
	F_CAPPRM = 1 << 4,
	F_CAPEFF = 1 << 5,
	F_CAPBND = 1 << 6,
	F_CAPAMB = 1 << 7,
	F_NNP = 1 << 8,
	F_SECCOMP = 1 << 9,
	F_ALL = (1 << 10) - 1,
};

int caps_drop(const struct mpj_identity *id)
{
	/* The bounding and ambient sets first, while CAP_SETPCAP is still
	 * effective: nothing the command execs (a file capability) may regain
	 * a capability.  Then the uid change itself, the same guarded one the
	 * home copy makes: the jail's pid 1 holds the launcher's memory, and
	 * the tenant's login could SIGSTOP it in the middle of the change. */
	for (int cap = 0;; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL && cap > 0)
				break; /* past the kernel's last capability */
			return negerrno();
		}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return negerrno();
	return privdrop_become(id->uid, id->gid, id->n_groups, id->groups);
}

static int parse_ids(const char *v, unsigned *out, size_t max, size_t *ret_n)
{
	size_t n = 0;

	while (*v) {
		char *end;
		unsigned long x;

		while (*v == ' ' || *v == '\t')
			v++;
		if (!*v || *v == '\n')
			break;
		errno = 0;
		x = strtoul(v, &end, 10);
		if (errno || end == v || n >= max)
			return -EBADMSG;
		out[n++] = (unsigned)x;
		v = end;
	}
	*ret_n = n;
	return 0;
}

int proc_status_parse(const char *text, struct proc_status *ret)
{
	static const struct {
		const char *key;
		unsigned bit;
	} caps[] = { { "CapInh:", F_CAPINH },
		     { "CapPrm:", F_CAPPRM },
		     { "CapEff:", F_CAPEFF },
		     { "CapBnd:", F_CAPBND },
		     { "CapAmb:", F_CAPAMB } };
	struct proc_status st = { .no_new_privs = -1, .seccomp = -1 };
	const char *line = text;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t n;

		if (startswith(line, "Uid:") && parse_ids(line + 4, st.uid, 4, &n) == 0 && n == 4)
			st.found |= F_UID;
		else if (startswith(line, "Gid:") && parse_ids(line + 4, st.gid, 4, &n) == 0 &&
			 n == 4)
			st.found |= F_GID;
		else if (startswith(line, "Groups:") &&
			 parse_ids(line + 7, st.groups, ARRAY_SIZE(st.groups), &st.n_groups) == 0)
			st.found |= F_GROUPS;
		else if (startswith(line, "NoNewPrivs:")) {
			st.no_new_privs = (int)strtol(line + 11, NULL, 10);
			st.found |= F_NNP;
		} else if (startswith(line, "Seccomp:")) {
			st.seccomp = (int)strtol(line + 8, NULL, 10);
			st.found |= F_SECCOMP;
		} else
			for (size_t i = 0; i < ARRAY_SIZE(caps); i++)
				if (startswith(line, caps[i].key)) {
					unsigned long long v =
						strtoull(line + strlen(caps[i].key), NULL, 16);

					switch (caps[i].bit) {
					case F_CAPINH:
						st.cap_inh = v;
						break;
					case F_CAPPRM:
						st.cap_prm = v;
						break;
					case F_CAPEFF:
						st.cap_eff = v;
						break;
					case F_CAPBND:
						st.cap_bnd = v;
						break;
					case F_CAPAMB:
						st.cap_amb = v;
						break;
					default:
						break;
					}
					st.found |= caps[i].bit;
				}
		line = nl ? nl + 1 : NULL;
	}
	*ret = st;
	return st.found == F_ALL ? 0 : -EBADMSG;
}

#define BAD(...)                                         \
	({                                               \
		(void)snprintf(detail, dn, __VA_ARGS__); \
		-EPERM;                                  \
	})

int caps_verify(const struct mpj_identity *id, char *detail, size_t dn)
{
	_cleanup_free_ char *text = NULL;
	struct proc_status st;
	int r;

	r = read_file_at(AT_FDCWD, "/proc/self/status", 64 * 1024, &text, NULL);
	if (r < 0)
		return BAD("/proc/self/status unreadable"), r;
	r = proc_status_parse(text, &st);
	if (r < 0)
		return BAD("/proc/self/status: missing fields"), r;
	for (int i = 0; i < 4; i++) {
		if (st.uid[i] != id->uid)
			return BAD("Uid field %d is %u, want %u", i, st.uid[i], (unsigned)id->uid);
		if (st.gid[i] != id->gid)
			return BAD("Gid field %d is %u, want %u", i, st.gid[i], (unsigned)id->gid);
	}
	if (st.n_groups != id->n_groups)
		return BAD("%zu supplementary groups, want %zu", st.n_groups, id->n_groups);
	for (size_t i = 0; i < st.n_groups; i++) {
		bool found = false;

		for (size_t j = 0; j < id->n_groups; j++)
			found |= st.groups[i] == id->groups[j];
		if (!found || st.groups[i] == 0)
			return BAD("unexpected supplementary group %u", st.groups[i]);
	}
	if (st.cap_inh || st.cap_prm || st.cap_eff || st.cap_bnd || st.cap_amb)
		return BAD("capabilities left: inh %llx prm %llx eff %llx bnd %llx amb %llx",
			   st.cap_inh, st.cap_prm, st.cap_eff, st.cap_bnd, st.cap_amb);
	if (st.no_new_privs != 1)
		return BAD("NoNewPrivs is %d", st.no_new_privs);
	/* util-linux mount: "be paranoid and check it, setuid(0) has to fail". */
	if (setuid(0) == 0 || seteuid(0) == 0)
		return BAD("setuid(0) succeeded");
	if (setgid(0) == 0 || setegid(0) == 0)
		return BAD("setgid(0) succeeded");
	if (setgroups(0, NULL) == 0)
		return BAD("setgroups() succeeded");
	return 0;
}
