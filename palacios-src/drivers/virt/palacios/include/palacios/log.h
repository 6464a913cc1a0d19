/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logging helpers of the Palacios core, on top of v3_host_log().
 */
#ifndef _PALACIOS_LOG_H
#define _PALACIOS_LOG_H

#include <palacios/host.h>

#define v3_err(fmt, ...)	v3_host_log(V3_LOG_ERR, fmt, ##__VA_ARGS__)
#define v3_warn(fmt, ...)	v3_host_log(V3_LOG_WARN, fmt, ##__VA_ARGS__)
#define v3_info(fmt, ...)	v3_host_log(V3_LOG_INFO, fmt, ##__VA_ARGS__)
#define v3_debug(fmt, ...)	v3_host_log(V3_LOG_DEBUG, fmt, ##__VA_ARGS__)
/* A request of the host's user refused: rate-limited by the host */
#define v3_err_ratelimited(fmt, ...) \
	v3_host_log(V3_LOG_REFUSED, fmt, ##__VA_ARGS__)

#endif /* _PALACIOS_LOG_H */
