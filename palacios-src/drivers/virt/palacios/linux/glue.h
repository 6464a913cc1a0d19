/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Palacios on Linux: what the files of the Linux host share.
 */
#ifndef _PALACIOS_LINUX_GLUE_H
#define _PALACIOS_LINUX_GLUE_H

#include <linux/types.h>

struct v3_host_file;
struct v3_host_net;
struct v3_host_chan;

/* mem.c */
u64 pal_pages_in_use(void);

/* cpu.c */
void pal_cpu_init(void);
unsigned long pal_ipis_received(int cpu);

/* guest.c */
int pal_guests_init(void);
void pal_guests_start(void);
void pal_guests_exit(void);

/* dev.c */
int pal_dev_init(void);
void pal_dev_exit(void);

/*
 * file.c: a descriptor of the calling process as a disk's file; -EBUSY if
 * its data is another disk's that the guest writes, or a disk's at all
 * when @ro is false (see file.c); *@why says what is wrong with it
 */
int pal_host_file_get(int fd, bool ro, struct v3_host_file **out, u64 *size,
		      const char **why);

/*
 * net.c: a descriptor of the calling process as a NIC's tap, with
 * virtio-net headers if @vnet_hdr; -EBUSY if the tap queue is a VM's NIC
 * already; *@why says what is wrong with it
 */
int pal_host_net_get(int fd, bool vnet_hdr, struct v3_host_net **out,
		     const char **why);

/*
 * chan.c: descriptors of the calling process as a console's channel:
 * @in_fd (read) and @out_fd (written), pipes, FIFOs or sockets; *@why
 * says what is wrong with them
 */
int pal_host_chan_get(int in_fd, int out_fd, struct v3_host_chan **out,
		      const char **why);

/* vmm.c */
int pal_vmm_init(void);
void pal_vmm_exit(void);
bool pal_vmm_active(void);

#endif /* _PALACIOS_LINUX_GLUE_H */
