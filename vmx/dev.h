/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HCVM_VMX_DEV_H
#define HCVM_VMX_DEV_H

int hcvm_dev_init(void);
void hcvm_dev_exit(void);

#endif
