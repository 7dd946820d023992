package jobs

import (
	"context"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

// The types and functions Beam runs on workers are registered once, so
// that every runner can find them by name.
func init() {
	beam.RegisterCoder(reflect.TypeOf(tally{}), encodeTally, decodeTally)
	beam.RegisterCoder(reflect.TypeOf(seriesInfo{}), encodeInfo, decodeInfo)
	beam.RegisterType(reflect.TypeOf(shard{}))
	beam.RegisterType(reflect.TypeOf(member{}))
	beam.RegisterType(reflect.TypeOf(person{}))

	register.DoFn4x1[context.Context, shard, []byte, func(tally), error](&prepareFn{})
	register.DoFn3x1[context.Context, shard, func(string, member), error](&sampleFn{})
	register.DoFn3x1[string, member, func(person), error](&ruleFn{})
	register.DoFn5x1[context.Context, []byte, func(*person) bool, func([]byte), func(seriesInfo), error](&seriesFn{})
	register.DoFn5x1[context.Context, []byte, func(*tally) bool, func(*seriesInfo) bool, []byte, error](&finishFn{})
	register.Combiner1[tally](&mergeTallies{})
	register.Function2x1(orMembers)
	register.Emitter1[tally]()
	register.Emitter2[string, member]()
	register.Emitter1[person]()
	register.Emitter1[[]byte]()
	register.Emitter1[seriesInfo]()
	register.Iter1[person]()
	register.Iter1[tally]()
	register.Iter1[seriesInfo]()
}
