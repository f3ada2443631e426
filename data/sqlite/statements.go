package sqlite

import (
	"context"
	"database/sql"
)

// preparer prepares statements on a transaction, keeping the first error so that a run of
// prepares can be checked once. Statements prepared on a transaction close when it ends.
type preparer struct {
	ctx context.Context
	tx  *sql.Tx
	err error
}

func (p *preparer) prepare(query string) *sql.Stmt {
	if p.err != nil {
		return nil
	}
	st, err := p.tx.PrepareContext(p.ctx, query)
	p.err = err
	return st
}
