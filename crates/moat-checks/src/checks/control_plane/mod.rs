//! Control-plane static pods (kube-apiserver, kube-controller-manager, kube-scheduler,
//! etcd): command-line flag checks of CIS sections 1.2–1.4 and 2.

use crate::Check;

/// Every control-plane flag check, in ID order.
pub static ALL: &[&dyn Check] = &[];
