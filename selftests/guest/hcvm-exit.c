// SPDX-License-Identifier: GPL-2.0
/*
 * hcvm-exit [STATUS]: end the VM with STATUS (default 0) by writing it to hcvm-run's
 * debug-exit port 0x501. Linux without ACPI cannot power a machine off, so this is how
 * the test guest finishes with a status of its choosing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>

int main(int argc, char **argv)
{
	int status = argc > 1 ? atoi(argv[1]) : 0;

	if (ioperm(0x501, 1, 1)) {
		perror("hcvm-exit: ioperm");
		return 1;
	}
	outb((unsigned char)status, 0x501);
	/* Not reached under hcvm-run: the write ends the VM. */
	fprintf(stderr, "hcvm-exit: still running (no debug-exit port?)\n");
	return 1;
}
