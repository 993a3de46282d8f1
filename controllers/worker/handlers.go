package worker

import "k8s.io/client-go/tools/cache"

// Handlers are one controller's handlers on shared informers. The informers belong to
// the controller manager and outlive the controller, so a controller that stops must
// take its handlers off them (or they keep feeding a queue nobody drains), and a
// controller that fails to register all of them must take back the ones it did.
//
// The zero value is ready to use. Handlers are added while the controller is built and
// removed once, when it stops; they are not safe for concurrent Add and Remove.
type Handlers struct {
	regs []registered
}

type registered struct {
	inf cache.SharedInformer
	reg cache.ResourceEventHandlerRegistration
}

// Add registers handler on inf. When the informer refuses it (it has stopped), the
// handlers added so far are removed, so the caller only has to return the error.
func (h *Handlers) Add(inf cache.SharedInformer, handler cache.ResourceEventHandler) error {
	reg, err := inf.AddEventHandler(handler)
	if err != nil {
		h.Remove()
		return err
	}
	h.regs = append(h.regs, registered{inf: inf, reg: reg})
	return nil
}

// Remove takes every added handler off its informer. Calling it again does nothing.
func (h *Handlers) Remove() {
	for _, r := range h.regs {
		// The only error is an unknown registration, which cannot happen for one this
		// informer handed out; there is nothing to do about it at shutdown anyway.
		_ = r.inf.RemoveEventHandler(r.reg)
	}
	h.regs = nil
}
