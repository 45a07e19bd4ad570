/** Implementation details of the Kubernetes launcher; may change without notice. */
package network.notifi.sluice.k8s.internal;
