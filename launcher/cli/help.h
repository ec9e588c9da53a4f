/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* --help text for a subcommand (NULL or unknown: the overview). */
const char *help_text(const char *cmd);
