/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HCVM_VMX_STATE_H
#define HCVM_VMX_STATE_H

void hcvm_state_init(void);
void hcvm_state_exit(void);

#endif
